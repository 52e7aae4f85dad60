"""Reviews in the console: the CSV import form and the review inbox."""
