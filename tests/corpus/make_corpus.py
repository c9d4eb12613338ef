"""Regenerates the crafted fuzz corpus in this folder (deterministic): ``python tests/corpus/make_corpus.py``.

Each file is a small (< 50 KB) hostile or degenerate input; ``tests/test_fuzz.py`` pins what the
product must make of each one (an error message, or a usable dataset with known numbers).
"""
import codecs
import gzip
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
H = "customer_id,timestamp,stage,touchpoint,variant,revenue,rating,feedback\n"
FEEDBACK = ['"terrible, slow"', "great"]
STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty", "advocacy"]


def w(name, data):
    (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def rows(n, f):
    return "".join(f(i) for i in range(n))


def main():
    r = random.Random(20260101)
    body = rows(200, lambda i: f"c{i % 40},2026-01-{1 + i % 28:02d} 10:{i % 60:02d}:00,{STAGES[i % 4]},web,"
                               f"{'AB'[i % 40 % 2]},{i % 5},{1 + i % 5},ok\n")
    w("empty.csv", b"")
    w("blank.csv", "\n\n   \n\t\n")
    w("bom_only.csv", b"\xef\xbb\xbf")
    w("header_only.csv", H)
    w("random.bin", bytes(r.getrandbits(8) for _ in range(2048)))
    gz = gzip.compress((H + body).encode(), mtime=0)
    w("truncated.csv.gz", gz[: len(gz) // 2])
    w("gzip_magic_junk.csv.gz", b"\x1f\x8b" + bytes(r.getrandbits(8) for _ in range(500)))
    w("json.csv", '[{"customer_id": "c1", "timestamp": "2026-01-01", "stage": "awareness"}]\n')
    w("html.csv", "<!DOCTYPE html><html><body><table><tr><td>customer_id</td></tr></table></body></html>\n")
    w("one_column.csv", "customer_id\nc1\nc2\n")
    w("nul_bytes.csv", H.encode() + b"c1,2026-01-01 10:00:00,aware\x00ness,ad,A,1,5,o\x00k\n" * 3)
    w("unbalanced_quote.csv", H + 'c1,2026-01-01 10:00:00,awareness,ad,A,1,5,"never closed\n' + body)
    w("nested_quotes.csv", H + 'c1,2026-01-01 10:00:00,awareness,ad,A,1,5,"' + '""' * 3000 + '"\n'
      + 'c2,2026-01-01 10:00:00,purchase,ad,B,1,5,"she said ""it\'s ""really"" """"fine"""""" ok"\n' + body)
    w("single_event.csv", H + "c1,2026-01-01 10:00:00,awareness,ad,A,10,5,Great service\n")
    w("single_customer.csv", H + rows(6, lambda i: f"c1,2026-01-0{1 + i} 10:00:00,{STAGES[i]},web,A,{i * 10},"
                                                   f"{1 + i % 5},{FEEDBACK[i % 2]}\n"))
    w("one_stage.csv", H + rows(60, lambda i: f"c{i % 20},2026-01-{1 + i % 28:02d} 10:00:00,awareness,web,"
                                              f"{'AB'[i % 20 % 2]},0,3,fine\n"))
    w("one_variant.csv", H + rows(80, lambda i: f"c{i % 20},2026-01-{1 + i % 28:02d} 1{i % 10}:00:00,"
                                                f"{STAGES[i % 4]},web,A,{i % 3},4,good\n"))
    w("zero_revenue.csv", H + rows(80, lambda i: f"c{i % 20},2026-01-{1 + i % 28:02d} 1{i % 10}:00:00,"
                                                 f"{STAGES[i % 4]},web,{'AB'[i % 20 % 2]},0,,\n"))
    specials = ["NaN", "nan", "inf", "-inf", "Infinity", "-Infinity", "1e308", "1e309", "-1e400", "1e-400", "", "0",
                "-0", "+5", "1,5", "1.234,56", "$12.50", "€ 3", "12%", "0x1F", "1_000", "--3", "++", "e", "."]
    w("nan_inf.csv", H + rows(100, lambda i: f"c{i % 25},2026-01-{1 + i % 28:02d} 10:00:00,{STAGES[i % 4]},web,"
                                             f"{'AB'[i % 25 % 2]},\"{specials[i % len(specials)]}\","
                                             f"\"{specials[(i * 7) % len(specials)]}\",meh\n"))
    edge = ["1900-01-01 00:00:00", "1969-12-31 23:59:59", "1970-01-01 00:00:00", "2000-02-29 12:00:00",
            "2038-01-19 03:14:08", "2100-12-31 23:59:59", "2026-03-29 02:30:00", "2026-10-25 02:30:00"]
    w("timestamps_edge.csv", "customer_id,timestamp,stage\n" + rows(len(edge) * 2, lambda i: f"c{i % 2},{edge[i // 2]},"
                                                                                           f"{STAGES[i % 4]}\n"))
    modern = ["1970-01-01 00:00:00", "2000-02-29 12:00:00", "2038-01-19 03:14:08", "2100-12-31 23:59:59"]
    w("timestamps_modern_edge.csv", "customer_id,timestamp,stage\n" + rows(12, lambda i: f"c{i % 3},{modern[i % 4]},"
                                                                                      f"{STAGES[i % 4]}\n"))
    w("dst.csv", "customer_id,timestamp,stage\n"
      "c1,2026-03-29T01:59:59+01:00,awareness\nc1,2026-03-29T03:00:00+02:00,interest\n"
      "c2,2026-10-25T02:30:00+02:00,awareness\nc2,2026-10-25T02:30:00+01:00,interest\n"
      "c3,2026-03-29 02:30:00,awareness\nc3,2026-03-08T02:30:00-05:00,interest\n")
    w("leap_second.csv", "customer_id,timestamp,stage\nc1,2016-12-31 23:59:59,awareness\nc1,2016-12-31 23:59:60,interest\n"
      "c1,2017-01-01 00:00:00,purchase\nc2,2016-12-31T23:59:60Z,awareness\n")
    w("far_dates.csv", "customer_id,timestamp,stage\nc1,0001-01-01,awareness\nc1,9999-12-31 23:59:59,purchase\n"
      "c2,2026-01-01,awareness\n")
    bad = ["2026-02-30", "2026-13-01", "yesterday", "2026-01-01 10:00:00"]
    w("bad_dates.csv", "customer_id,timestamp,stage\n" + rows(12, lambda i: f"c{i},{bad[i % 4]},awareness\n"))
    w("crlf.csv", (H + body).replace("\n", "\r\n"))
    w("cr_only.csv", (H + body).replace("\n", "\r"))
    w("utf16le_nobom.csv", (H + body[:3000]).encode("utf-16-le"))
    w("utf16_bom.csv", codecs.BOM_UTF16_LE + (H + body[:3000]).encode("utf-16-le"))
    w("ragged.csv", H + rows(30, lambda i: "c%d,2026-01-01 10:00:00,awareness,web,A,1,5,ok%s\n"
                                           % (i, ",extra,fields" if i % 2 else "")))
    w("all_missing_ids.csv", H + rows(10, lambda i: ",2026-01-01 10:00:00,awareness,web,A,1,5,ok\n"))
    ids = ["  ", "\t", "c1", " c2 "]
    w("whitespace_ids.csv", H + rows(10, lambda i: f"{ids[i % 4]},2026-01-01 10:00:00,awareness,web,A,1,5,ok\n"))
    w("dup_headers.csv", "customer_id,timestamp,stage,x,x,X,stage\n"
      + rows(10, lambda i: f"c{i},2026-01-01,awareness,1,2,3,purchase\n"))
    w("reserved_names.csv", "customer_id,timestamp,stage,revenue,_record,_reason,_raw_ts,_has_revenue,_bad_revenue,_REASON_1\n"
      + rows(10, lambda i: f"c{i},2026-01-0{1 + i % 9} 10:00:00,{STAGES[i % 2]},{i},r{i},x,y,z,w,v\n"))
    evil_stage = ["awareness", "'; DROP TABLE events; --", "purchase"]
    evil_var = ["A", "B; DELETE FROM events"]
    w("sql_names.csv", 'customer_id,timestamp,stage,"a""; DROP TABLE events; --",select,from,"x\'y","1=1; --",touchpoint,variant\n'
      + rows(30, lambda i: f"c{i % 10},2026-01-{1 + i % 28:02d} 10:00:00,{evil_stage[i % 3]},v{i % 3},s,f,\"q'{i % 2}\","
                           f"{i % 2},\"tp'); DROP TABLE x;--\",\"{evil_var[i % 10 % 2]}\"\n"))
    w("many_stages.csv", "customer_id,timestamp,stage\n"
      + rows(200, lambda i: f"c{i % 10},2026-01-{1 + i % 28:02d} {i % 24:02d}:00:00,step{i % 20:02d}\n"))
    w("long_field.csv", H + 'c1,2026-01-01 10:00:00,awareness,web,A,1,5,"' + ("terrible checkout, " * 2000) + '"\n'
      + body[:2000])
    w("formulas.csv", H + rows(10, lambda i: f"c{i},2026-01-01 10:00:00,awareness,\"=HYPERLINK(\"\"http://x\"\",\"\"x\"\")\","
                                             f"@SUM(1),-2+3,{i},\"=cmd|' /C calc'!A0\"\n"))
    st = ["осознание", "认知", "покупка", "购买"]
    tp = ["сайт", "网站", "app\u202eevil"]
    var = ["A", "Б", "乙"]
    fb = ["очень плохо 😡", "很好 👍", "ok\u200d\u200d", "\u202eRTL text"]
    w("unicode_mix.csv", H + rows(30, lambda i: f"c{i % 5},2026-01-{1 + i:02d} 10:00:00,{st[i % 4]},{tp[i % 3]},"
                                                f"{var[i % 5 % 3]},{i},{1 + i % 5},{fb[i % 4]}\n"))
    emo = ["😡", "👎👎", "😡😡😡", "🙂"]
    w("emoji_only_feedback.csv", "customer_id,timestamp,stage,feedback\n"
      + rows(12, lambda i: f"c{i % 4},2026-01-{1 + i:02d} 10:00:00,{STAGES[i % 3]},{emo[i % 4]}\n"))
    ep = [1767225600, 1767225600000, 1767225600123456, 1767312000]
    w("epoch.csv", "customer_id,timestamp,stage\n" + rows(12, lambda i: f"c{i % 3},{ep[i % 4]},{STAGES[i % 4]}\n"))
    w("numeric_ids.csv", "customer_id,timestamp,stage\n001,2026-01-01,awareness\n1,2026-01-02,awareness\n"
      "1.0,2026-01-03,purchase\n1e0,2026-01-04,purchase\n")
    w("semicolon_ru.csv", "ID клиента;Дата;Этап;Сумма;Отзыв\n"
      + rows(20, lambda i: f"к{i % 5};{1 + i % 28:02d}.01.2026 10:00;{['Осознание', 'Интерес', 'Покупка'][i % 3]};"
                           f"{i},50;{['Дорого', 'Отлично'][i % 2]}\n"))


if __name__ == "__main__":
    main()
