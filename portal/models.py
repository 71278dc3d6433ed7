"""Imports every model module so ``Base.metadata`` is complete (Alembic and tests rely on it)."""
import portal.backoffice.indexing  # noqa: F401  (keeps the queue's search keys up to date)
from portal.audit.models import AuditEvent  # noqa: F401
from portal.backoffice.models import SubmissionNote  # noqa: F401
from portal.booking.models import (  # noqa: F401
    BookingGroup,
    Facility,
    FacilityClosure,
    FacilityUnit,
    LotteryApplication,
    LotteryRound,
    Reservation,
    ReservationSlot,
)
from portal.events.models import Event, EventRegistration, EventSession, RegistrationSession  # noqa: F401
from portal.identity.models import Resident  # noqa: F401
from portal.notifications.models import OutboxEmail  # noqa: F401
from portal.payments.models import (  # noqa: F401
    MunicipalityPaymentSettings,
    Payment,
    PaymentTransition,
    ProcessedEvent,
    Refund,
    SubmissionFee,
)
from portal.procedures.history import SubmissionEvent  # noqa: F401
from portal.procedures.models import Draft, FormDefinition, Submission, UploadedFile  # noqa: F401
from portal.procedures.publication import ProcedureSetting  # noqa: F401
from portal.ratelimit.models import RateLimitCounter  # noqa: F401
from portal.staff.models import StaffProcedure, StaffUser  # noqa: F401
from portal.tenancy.models import Municipality  # noqa: F401
