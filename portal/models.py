"""Imports every model module so ``Base.metadata`` is complete (Alembic and tests rely on it)."""
from portal.identity.models import Resident  # noqa: F401
from portal.notifications.models import OutboxEmail  # noqa: F401
from portal.procedures.models import Draft, FormDefinition, Submission, UploadedFile  # noqa: F401
from portal.tenancy.models import Municipality  # noqa: F401
