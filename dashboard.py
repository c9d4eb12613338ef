"""cj dashboard entry point: `streamlit run dashboard.py`."""
import streamlit as st

from pages import common

st.set_page_config(page_title="cj · customer journeys", page_icon=":material/route:", layout="wide")

common.require_password()
lang = common.language()
T = common.tr
PAGES = [
    st.Page("pages/data.py", title=T("nav.data"), icon=":material/table_view:", url_path="data", default=True),
    st.Page("pages/funnel.py", title=T("nav.funnel"), icon=":material/filter_alt:", url_path="funnel"),
    st.Page("pages/segments.py", title=T("nav.segments"), icon=":material/groups:", url_path="segments"),
    st.Page("pages/abtest.py", title=T("nav.abtest"), icon=":material/science:", url_path="abtest"),
    st.Page("pages/sentiment.py", title=T("nav.sentiment"), icon=":material/sentiment_satisfied:", url_path="sentiment"),
    st.Page("pages/journey.py", title=T("nav.journey"), icon=":material/map:", url_path="journey"),
]

common.route_default_page_path("data")     # /data is the Data page too (it is the default, served at /)
nav = st.navigation(PAGES)
common.hide_table_download()
common.shell_ran()
common.sidebar()
common.wait_warm()             # the first seconds of a server: let the background imports finish first
nav.run()
common.share_box()
# after the page: scikit-learn & co. load in the background (once per server) while the browser draws
common.warm_imports()
