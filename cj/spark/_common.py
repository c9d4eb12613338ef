"""Small helpers shared by the Spark twins (imported only when a Spark source is used)."""
from __future__ import annotations

import pandas as pd

from ..errors import ParameterError


def to_pandas(sdf) -> pd.DataFrame:
    """A small Spark result as pandas, through Arrow.

    pyspark's own ``toPandas`` does not fully support pandas 3 (dtype and timestamp
    conversions); ``DataFrame.toArrow`` (Spark 4) followed by pyarrow's conversion does:
    TIMESTAMP_NTZ arrives as naive ``datetime64[us]``, strings as objects, NULL doubles
    as NaN and NULL integers as float NaN (callers cast what they need).
    """
    table = sdf.toArrow()
    return table.to_pandas()


def check_table(source, table: str, default: str = "events") -> None:
    """A Spark source holds one events dataset: only the default table name is accepted."""
    if table != default:
        raise ParameterError.one(f"table={table!r} is DuckDB-only",
                                 "A Spark source is one events dataset; leave table at its default.")


def column_types(sdf) -> dict[str, str]:
    """Column name -> Spark type name (``string``, ``double``, ``timestamp_ntz`` …)."""
    return {f.name: f.dataType.typeName() for f in sdf.schema.fields}


NUMERIC_TYPES = ("byte", "short", "integer", "long", "float", "double", "decimal")
