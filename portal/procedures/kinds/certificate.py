from portal.procedures.kinds.base import ProcedureKind


class CertificateKind(ProcedureKind):
    """Certificates (住民票の写し, 印鑑登録証明書, …): always carry a fee rule; issued by post."""

    name = "certificate"

    def check(self, content: dict) -> str | None:
        if "fee" not in content:
            return "fee: a certificate procedure must declare its fee"
        return None
