"""cj dashboard entry point: `streamlit run dashboard.py`."""
import streamlit as st

from pages import common

st.set_page_config(page_title="cj · customer journeys", page_icon=":material/route:", layout="wide")

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", url_path="data", default=True),
    st.Page("pages/funnel.py", title="Funnel", icon=":material/filter_alt:", url_path="funnel"),
    st.Page("pages/segments.py", title="Segments", icon=":material/groups:", url_path="segments"),
    st.Page("pages/abtest.py", title="A/B tests", icon=":material/science:", url_path="abtest"),
    st.Page("pages/sentiment.py", title="Sentiment", icon=":material/sentiment_satisfied:", url_path="sentiment"),
    st.Page("pages/journey.py", title="Journey map", icon=":material/map:", url_path="journey"),
]

nav = st.navigation(PAGES)
common.shell_ran()
common.sidebar()
nav.run()
common.share_box()
