"""The dlt reference of scripts/bench/ingest: dlt's `rest_api` source reading the Copaco
endpoints billwh reads (invoices + customer-specifications) from the sandbox into SQLite.

    python dlt_copaco.py load  BASE_URL API_KEY SINCE UNTIL DB PIPELINES_DIR
    python dlt_copaco.py count DB      # price lines loaded (both endpoints), on stdout
    python dlt_copaco.py windows SINCE UNTIL   # the request windows, "YYYYMMDD YYYYMMDD" a line

Requests are the ones billwh makes: `startDate`/`endDate` as YYYYMMDD in windows of at most 31
days (the same chunking as billwh's DateWindow.chunks), the key in X-Api-Key, no paging. dlt
normalises the nested JSON as it always does (invoices -> customers -> subscriptions ->
price_lines child tables) with its default settings.
"""
import datetime as dt
import sqlite3
import sys


def windows(since: dt.date, until: dt.date, max_days: int = 31):
    cursor = since
    while cursor <= until:
        end = min(cursor + dt.timedelta(days=max_days - 1), until)
        yield cursor, end
        cursor = end + dt.timedelta(days=1)


ENDPOINTS = (("invoices", "invoices"), ("customer-specifications", "customer_specifications"))


def load(base_url, api_key, since, until, db, pipelines_dir):
    import dlt
    from dlt.sources.rest_api import rest_api_source

    since, until = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
    resources = []
    for path, table in ENDPOINTS:
        for start, end in windows(since, until):
            resources.append({
                "name": f"{table}_{start:%Y%m%d}",
                "table_name": table,
                "write_disposition": "append",
                "endpoint": {
                    "path": f"api/v1/{path}",
                    "params": {"startDate": f"{start:%Y%m%d}", "endDate": f"{end:%Y%m%d}"},
                    "data_selector": "Invoices",
                    "paginator": "single_page",
                },
            })
    source = rest_api_source({
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "auth": {"type": "api_key", "name": "X-Api-Key", "api_key": api_key, "location": "header"},
        },
        "resources": resources,
    })
    pipeline = dlt.pipeline(
        pipeline_name="billwh_bench_copaco",
        destination=dlt.destinations.sqlalchemy(f"sqlite:///{db}"),
        dataset_name="main",
        pipelines_dir=pipelines_dir,
    )
    info = pipeline.run(source)
    info.raise_on_failed_jobs()


def count(db):
    connection = sqlite3.connect(db)
    tables = [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%price_lines'")]
    if not tables:
        # dlt may keep a dataset in an attached file next to the main one
        print(0)
        return
    print(sum(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables))


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(*sys.argv[2:8])
    elif sys.argv[1] == "count":
        count(sys.argv[2])
    elif sys.argv[1] == "windows":
        for start, end in windows(dt.date.fromisoformat(sys.argv[2]), dt.date.fromisoformat(sys.argv[3])):
            print(f"{start:%Y%m%d} {end:%Y%m%d}")
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
