import os

from piccolo.conf.apps import AppConfig

from models.asks import Ask, AskClick, AskTouch
from models.audit import AuditEvent
from models.campaigns import Campaign, SelectionRun
from models.customers import Customer
from models.erasure import ErasedAddress
from models.outbox import OutboxMessage
from models.platforms import PlatformProfile, RatingSnapshot, ReviewPlatform
from models.products import Product
from models.quotes import Quote, QuoteConsent
from models.reviews import Improvement, Review
from models.senders import Sender
from models.signals import Signal
from models.tasks import Task
from models.tokens import ApiToken

# Order matters for anything that walks tables (truncation, admin menus):
# parents before children.
TABLES = [
    Product, ReviewPlatform, PlatformProfile, RatingSnapshot, Customer, Signal, Sender,
    Campaign, SelectionRun, Ask, AskTouch, AskClick, Review, Improvement, Quote, QuoteConsent, Task,
    ApiToken, AuditEvent, OutboxMessage, ErasedAddress,
]

APP_CONFIG = AppConfig(
    app_name="plaudit",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
