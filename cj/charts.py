"""Altair chart builders shared by the pages and the exports (one computation, two renderings)."""
from __future__ import annotations

import altair as alt
import pandas as pd

BLUE, GREY, RED, GREEN = "#1f77b4", "#9aa5b1", "#d62728", "#2ca02c"


def lift_chart(comparisons: pd.DataFrame, *, title: str = "Relative lift vs control (95% CI)") -> alt.Chart:
    """Point + interval per variant; columns variant, lift_rel, ci_rel_low, ci_rel_high."""
    df = comparisons.dropna(subset=["lift_rel"]).copy()
    base = alt.Chart(df).encode(y=alt.Y("variant:N", title=None))
    rule = base.mark_rule(strokeWidth=3, color=GREY).encode(
        x=alt.X("ci_rel_low:Q", title="relative lift", axis=alt.Axis(format="+%")), x2="ci_rel_high:Q")
    point = base.mark_point(filled=True, size=120, color=BLUE).encode(
        x="lift_rel:Q", tooltip=[alt.Tooltip("variant:N"), alt.Tooltip("lift_rel:Q", format="+.1%"),
                                 alt.Tooltip("ci_rel_low:Q", format="+.1%"), alt.Tooltip("ci_rel_high:Q", format="+.1%"),
                                 alt.Tooltip("p_value:Q", format=".4f")])
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4], color="black").encode(x="x:Q")
    return (rule + point + zero).properties(title=title, height=max(170, 60 * len(df)))


def stage_lift_chart(lifts: pd.DataFrame, stages: list[str]) -> alt.Chart:
    """Per stage: each treatment's relative lift with CI (rows with a lift only)."""
    df = lifts.dropna(subset=["lift_rel"]).copy()
    df["significant"] = (df["p_value_holm"] < 0.05).map({True: "significant (Holm)", False: "not significant"})
    base = alt.Chart(df).encode(x=alt.X("stage:N", sort=stages, title=None),
                                color=alt.Color("significant:N", scale=alt.Scale(
                                    domain=["significant (Holm)", "not significant"], range=[BLUE, GREY]),
                                    legend=alt.Legend(title=None, orient="bottom")))
    rule = base.mark_rule(strokeWidth=3).encode(y=alt.Y("ci_rel_low:Q", title="relative lift",
                                                        axis=alt.Axis(format="+%")), y2="ci_rel_high:Q")
    point = base.mark_point(filled=True, size=100).encode(
        y="lift_rel:Q", shape=alt.Shape("variant:N", legend=alt.Legend(orient="bottom")),
        tooltip=["stage:N", "variant:N", alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("lift_rel:Q", format="+.1%"), alt.Tooltip("p_value_holm:Q", format=".4f")])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="black").encode(y="y:Q")
    return (rule + point + zero).properties(title="Lift at every stage (reached at or after exposure)", height=280)


def variant_rates_chart(variants: pd.DataFrame, *, value: str, title: str, fmt: str = ".1%") -> alt.Chart:
    df = variants.dropna(subset=[value]).copy()
    base = alt.Chart(df).encode(y=alt.Y("variant:N", title=None))
    bar = base.mark_bar(color=BLUE, opacity=0.8).encode(
        x=alt.X(f"{value}:Q", title=None, axis=alt.Axis(format=fmt.lstrip("+").replace(".1", ".0"))),
        tooltip=["variant:N", alt.Tooltip(f"{value}:Q", format=fmt), "customers:Q"])
    err = base.mark_rule(color="black").encode(x="ci_low:Q", x2="ci_high:Q")
    return (bar + err).properties(title=title, height=max(170, 60 * len(df)))
