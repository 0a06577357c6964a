"""Imports every model so that metadata, the data map and migrations see all tables."""

from portal.accounts.models import Operator, PasswordResetToken, User
from portal.api import models as api_models  # noqa: F401 - API tables
from portal.leads.models import CustomerFact, Lead, Partner, Sale, Settlement, SettlementLine
from portal.loyalty.models import (
    Complaint,
    Device,
    Installer,
    PointsEntry,
    PointsLot,
    ProgrammeEnd,
    Reward,
    RewardOrder,
    StatusEvidence,
)
from portal.notifications.models import Notification
from portal.operator.models import AuditRequest, Contract, DeletionCertificate, PlatformBreach, SubProcessor
from portal.privacy.models import AuditEntry, Consent
from portal.programmes.models import DocumentVersion, ProgrammeVersion
from portal.tenancy.models import Tenant

__all__ = [
    "AuditRequest",
    "Contract",
    "DeletionCertificate",
    "PlatformBreach",
    "SubProcessor",
    "AuditEntry",
    "Complaint",
    "Consent",
    "CustomerFact",
    "Device",
    "DocumentVersion",
    "Installer",
    "Lead",
    "Notification",
    "Operator",
    "Partner",
    "PasswordResetToken",
    "PointsEntry",
    "PointsLot",
    "ProgrammeEnd",
    "ProgrammeVersion",
    "Reward",
    "RewardOrder",
    "Sale",
    "Settlement",
    "SettlementLine",
    "StatusEvidence",
    "Tenant",
    "User",
]
