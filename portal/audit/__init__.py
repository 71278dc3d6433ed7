"""The append-only audit log: who viewed, downloaded, exported or changed what, when and from where."""
from portal.audit.service import AuditImmutable, record  # noqa: F401
