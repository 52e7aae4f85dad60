import os

from piccolo.conf.apps import AppConfig

from models.access.audit import AuditEvent
from models.access.tokens import ApiToken
from models.access.trusted_documents import TrustedDocument
from models.asking.tables import Ask, AskClick, AskTouch, Campaign, SelectionRun, Task
from models.case_studies.tables import CaseStudy, CaseStudyQuestions
from models.catalogue.listings import ListingCheck
from models.catalogue.platforms import PlatformProfile, RatingSnapshot, ReviewPlatform
from models.catalogue.products import Product
from models.core.outbox import OutboxMessage
from models.events.events import DomainEvent
from models.events.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from models.integrations.tables import Integration, IntegrationEvent
from models.people.customers import Customer
from models.people.erased import ErasedAddress
from models.people.senders import Sender
from models.people.signals import Signal
from models.quotes.tables import Quote, QuoteConsent
from models.reviews.reviews import Improvement, Review
from models.team.tables import ShoutOut, TeamMember

# Order matters for anything that walks tables (truncation, admin menus):
# parents before children.
TABLES = [
    Product, ReviewPlatform, PlatformProfile, RatingSnapshot, ListingCheck, Customer, Signal, Sender,
    Campaign, SelectionRun, Ask, AskTouch, AskClick, Review, Improvement, Quote, QuoteConsent, Task,
    ApiToken, AuditEvent, OutboxMessage, ErasedAddress, DomainEvent, WebhookEndpoint, WebhookDelivery,
    WebhookAttempt, Integration, IntegrationEvent, TeamMember, ShoutOut,
    CaseStudyQuestions, CaseStudy, TrustedDocument,
]

APP_CONFIG = AppConfig(
    app_name="plaudit",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
