"""Imports every model so that metadata, the data map and migrations see all tables."""

from portal.accounts.models import Operator, PasswordResetToken, User
from portal.api import models as api_models  # noqa: F401 - API tables
from portal.leads.models import CustomerFact, Lead, Partner, Sale, Settlement, SettlementLine
from portal.notifications.models import Notification
from portal.privacy.models import AuditEntry, Consent
from portal.programmes.models import DocumentVersion, ProgrammeVersion
from portal.tenancy.models import Tenant

__all__ = ["AuditEntry", "Consent", "CustomerFact", "DocumentVersion", "Lead", "Notification", "Operator", "Partner",
           "PasswordResetToken", "ProgrammeVersion", "Sale", "Settlement", "SettlementLine", "Tenant", "User"]
