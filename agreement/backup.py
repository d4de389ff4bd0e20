"""The agreement app's tables in a full backup (see ``coding.backup``).

Agreement runs are derived (recomputed), so only the project's settings travel.
"""

from __future__ import annotations

from coding.backup import ModelTable

# lead: the model moves to the agreement app at merge ("agreement.AgreementSettings").
AGREEMENT_SETTINGS = ModelTable(
    "agreement_settings", "agreement.AgreementSettings", "project"
)

AGREEMENT_BACKUP = AGREEMENT_SETTINGS.part()
