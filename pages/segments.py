import streamlit as st

from pages import common

meta = common.require_dataset()
st.title("Segments")
st.info("Coming soon: customer segments found by clustering, named and compared side by side. The data is ready: " + f"{meta.report.get('rows_usable', 0):,} events of "
        + f"{meta.report.get('customers', 0):,} customers.")
