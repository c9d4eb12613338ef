"""Spark formulations of the analyses (see :mod:`cj.engine`). Imported only when a Spark source is used."""
