"""Pure REFI-QDA exchange: codebooks (``.qdc``) and projects (``.qdpx``).

Nothing here touches the database or Django models (only ``gettext_lazy`` for
messages).  ``model`` holds the plain dataclasses, ``read`` turns files other
tools wrote into them (converting every tool's offset convention to Regie's
code points), ``write`` turns them into files that validate against the
REFI-QDA schemas.  Services map between these objects and Regie's models.
"""

from .model import (
    OFFSET_UNIT_LABELS,
    OffsetUnit,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiTextSource,
    RefiUser,
    RefiVariable,
    RefiWarning,
    VariableType,
    VariableValue,
    canonical_guid,
    iter_codes,
)
from .read import (
    DEFAULT_MAX_MEMBERS,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    read_qdc,
    read_qde,
    read_qdpx,
)
from .write import write_qdc, write_qde, write_qdpx

__all__ = [
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "OFFSET_UNIT_LABELS",
    "OffsetUnit",
    "RefiCase",
    "RefiCode",
    "RefiCodebook",
    "RefiCoding",
    "RefiError",
    "RefiNote",
    "RefiProject",
    "RefiSelection",
    "RefiSet",
    "RefiTextSource",
    "RefiUser",
    "RefiVariable",
    "RefiWarning",
    "VariableType",
    "VariableValue",
    "canonical_guid",
    "iter_codes",
    "read_qdc",
    "read_qde",
    "read_qdpx",
    "write_qdc",
    "write_qde",
    "write_qdpx",
]
