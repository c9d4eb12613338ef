import streamlit as st

from pages import common

meta = common.require_dataset()
st.title("Journey map")
st.info("Coming soon: the journey map and plain-language findings for meetings. The data is ready: " + f"{meta.report.get('rows_usable', 0):,} events of "
        + f"{meta.report.get('customers', 0):,} customers.")
