"""cj: customer-journey analytics core (importable without Streamlit)."""

__version__ = "0.1.0"
