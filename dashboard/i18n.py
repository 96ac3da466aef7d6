"""Ukrainian/English labels of the dashboard (Ukrainian by default): the product's gettext catalogs.

The labels are messages of ``analysis/locale/<lang>/LC_MESSAGES/hromada_access.po``, the same catalogs as the
library's own labels (:mod:`analysis.i18n`: loading, plural forms, fallbacks); :func:`tr` is
:func:`analysis.i18n.text`. Number formatting (:func:`fmt_int`, :func:`fmt_num`, :func:`fmt_pct`) comes from
:mod:`analysis.textformat`: a narrow no-break space between thousands and, in Ukrainian, a decimal comma.
"""

from __future__ import annotations

from analysis.i18n import LANGUAGES, catalog_path, load_catalog  # noqa: F401
from analysis.i18n import text as tr  # noqa: F401
from analysis.textformat import fmt_int, fmt_num, fmt_pct, note_text, plural  # noqa: F401
