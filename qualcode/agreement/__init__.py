"""Inter-coder agreement: statistics on unit-by-coder arrays (``measures``), reliability data
built from a project's codings (``units``) and reports (``report``). No database here."""

from qualcode.agreement.measures import (
    LEVELS,
    MEASURES,
    PERCENT_DEFINITION,
    AgreementResult,
    Average,
    average,
    binary_per_code,
    brennan_prediger,
    cohen_kappa,
    compute_all,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)

__all__ = [
    "LEVELS",
    "MEASURES",
    "PERCENT_DEFINITION",
    "AgreementResult",
    "Average",
    "average",
    "binary_per_code",
    "brennan_prediger",
    "cohen_kappa",
    "compute_all",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "scott_pi",
]
