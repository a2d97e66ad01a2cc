"""The single-window shape of scripts/bench/ingest: one 31-day window whose response holds
every document, as a reseller's vendor may send it — documents of ~12,000 price lines
(120 customers x 5 subscriptions x 20 lines), every line hashed — and the references
measured against billwh on it.

    python window_shape.py generate DIR LINES [--specs-lines N] [--per-document C,S,L]
        DIR/invoices.json and DIR/customer-specifications.json, LINES price lines each
        (customer specifications: N lines when given), amounts exact decimals; documents of C
        customers x S subscriptions x L lines (120,5,20; 1,2,5 is one small document per
        customer, as 2tCloud's customer invoices come)
    python window_shape.py serve DIR PORT_FILE
        a Copaco-shaped API on 127.0.0.1 (port written to PORT_FILE) serving those files at
        /api/v1/invoices and /api/v1/customer-specifications, key sandbox-copaco-key; and as
        2tCloud's /v2/invoices and /v2/customerinvoices, Basic 12345:sandbox-2tcloud-key
    python window_shape.py stdlib BASE_URL DB
        the plain-Python reference: urllib + json.loads(parse_float=Decimal) + executemany of
        the flattened lines, amounts as integer micros, one transaction
    python window_shape.py csv DIR OUT_CSV
        the same flattened lines as CSV, for sqlite3 .import into a table without indexes
    python window_shape.py count DB       lines the stdlib reference stored
"""
import base64
import decimal
import http.server
import json
import os
import sqlite3
import sys
import urllib.request

WINDOW = ("2026-10-01", "2026-10-31")
# customers per document, subscriptions per customer, price lines per subscription
PER_DOCUMENT = (120, 5, 20)
TWOTCLOUD_CUSTOMER_INVOICE = (1, 2, 5)
ENDPOINTS = ("invoices", "customer-specifications")
API_KEY = "sandbox-copaco-key"
# 2tCloud's Basic credentials (account 12345, key sandbox-2tcloud-key) and its endpoints' files.
TWOTCLOUD_AUTHORIZATION = "Basic " + base64.b64encode(b"12345:sandbox-2tcloud-key").decode()
TWOTCLOUD_FILES = {"invoices": "invoices", "customerinvoices": "customer-specifications"}
COLUMNS = ("endpoint", "invoice_id", "invoice_date", "currency", "customer_number", "company_name",
           "subscription_id", "subscription_name", "line_id", "row_hash", "sku", "description",
           "quantity", "unit_price_micros", "amount_micros", "vat_micros", "start_date", "end_date")


def money(micros):
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(micros), 1_000_000)
    text = f"{fraction:06d}".rstrip("0")
    return f"{sign}{whole}.{text}" if text else f"{sign}{whole}"


def generate_endpoint(path, endpoint, lines, salt, per_document=PER_DOCUMENT, hashed=True):
    customers_per_document, subscriptions_per_customer, lines_per_subscription = per_document
    lines_per_document = customers_per_document * subscriptions_per_customer * lines_per_subscription
    documents = max(1, -(-lines // lines_per_document))
    written = 0
    with open(path, "w") as out:
        out.write('{"Invoices":[')
        for d in range(documents):
            in_document = min(lines_per_document, lines - written)
            if d:
                out.write(",")
            parts = []
            total = vat_total = 0
            line_no = 0
            customers = []
            for c in range(customers_per_document):
                if line_no >= in_document:
                    break
                number = f"{(d * customers_per_document + c) % 2000:06d}"
                subscriptions = []
                for s in range(subscriptions_per_customer):
                    if line_no >= in_document:
                        break
                    subscription_id = 100000 + (d * customers_per_document + c) * subscriptions_per_customer + s
                    price_lines = []
                    for p in range(lines_per_subscription):
                        if line_no >= in_document:
                            break
                        n = written + line_no
                        quantity = 1 + (n * 7 + salt) % 40
                        unit = 1_500_000 + (n * 7919 + salt) % 90_000_000
                        amount = quantity * unit
                        vat = amount * 21 // 100
                        total += amount
                        vat_total += vat
                        row_hash = f"{(n * 2654435761 + salt * 97) & 0xffffffffffffffff:016x}{n:024x}"
                        hash_member = f'"InvoiceRowHash":"{row_hash}",' if hashed else ""
                        price_lines.append(
                            f'{{"LineId":{n + 1},"UID":"u-{salt}-{n:010d}",{hash_member}'
                            f'"SKU":"SKU-{(n * 13) % 500:04d}-M","Description":"Cloud licence {(n * 13) % 500} monthly",'
                            f'"Quantity":{quantity},"QuantityType":"Licenses","UnitPrice":{money(unit)},'
                            f'"ExtendedPrice":{money(amount)},"VAT":{money(vat)},'
                            f'"StartDate":"{WINDOW[0]}T00:00:00","EndDate":"{WINDOW[1]}T00:00:00",'
                            f'"BillingFrequency":"Monthly","ChargeType":"Recurring"}}')
                        line_no += 1
                    subscriptions.append(
                        f'{{"SubscriptionID":{subscription_id},"SubscriptionName":"Plan {subscription_id}",'
                        f'"StartDate":"2025-01-01T00:00:00","PlanID":{subscription_id % 977},"PlanName":"Monthly plan",'
                        f'"PlanCategoryName":"Licences","BillingModel":1,"SubscriptionPONumber":null,'
                        f'"PriceLines":[{",".join(price_lines)}]}}')
                customers.append(
                    f'{{"AccountID":{700000 + int(number)},"CustomerNumber":"{number}","CompanyName":"Customer {number} B.V.",'
                    f'"CostCenter":null,"Subscriptions":[{",".join(subscriptions)}]}}')
            invoice_id = f"{'INV' if endpoint == 'invoices' else 'SPEC'}-{salt}-{d + 1:05d}"
            out.write(
                f'{{"Header":{{"InvoiceID":"{invoice_id}","Date":"{WINDOW[1]}T00:00:00","Currency":"EUR","Type":"Invoice",'
                f'"Description":"Invoice {invoice_id}","Language":"English","TermsOfPaymentDays":30}},'
                f'"Sender":{{"AccountID":1,"CompanyName":"Copaco Cloud"}},"Receiver":{{"AccountID":2,"CompanyName":"Reseller"}},'
                f'"Customers":[{",".join(customers)}],'
                f'"Totals":{{"TotalExclVAT":{money(total)},"TotalVAT":{money(vat_total)},'
                f'"TotalInclVAT":{money(total + vat_total)},"LineCount":{line_no}}}}}')
            written += line_no
        out.write("]}")


def generate(directory, lines, specs_lines=None, per_document=PER_DOCUMENT, twotcloud=False):
    os.makedirs(directory, exist_ok=True)
    generate_endpoint(os.path.join(directory, "invoices.json"), "invoices", lines, 1, per_document, hashed=not twotcloud)
    # 2tCloud's customer invoices: one customer each; its lines carry no row hash.
    generate_endpoint(os.path.join(directory, "customer-specifications.json"), "customer-specifications",
                      lines if specs_lines is None else specs_lines, 2, TWOTCLOUD_CUSTOMER_INVOICE if twotcloud else per_document,
                      hashed=not twotcloud)


def serve(directory, port_file):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            route = self.path.split("?", 1)[0]
            name = route.rsplit("/", 1)[-1]
            if route.startswith("/v2/"):
                # 2tCloud: Basic credentials, /v2/invoices and /v2/customerinvoices.
                if self.headers.get("Authorization") != TWOTCLOUD_AUTHORIZATION:
                    self.send_error(403)
                    return
                name = TWOTCLOUD_FILES.get(name, "")
            elif self.headers.get("X-Api-Key") != API_KEY:
                self.send_error(401)
                return
            path = os.path.join(directory, f"{name}.json")
            if name not in ENDPOINTS or not os.path.exists(path):
                self.send_error(404)
                return
            with open(path, "rb") as body:
                size = os.fstat(body.fileno()).st_size
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                self.wfile.flush()
                self.connection.sendfile(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


def micros(value):
    return int(decimal.Decimal(value) * 1_000_000)


def flatten(endpoint, document):
    header = document["Header"]
    for customer in document["Customers"]:
        for subscription in customer["Subscriptions"]:
            for line in subscription["PriceLines"]:
                yield (endpoint, header["InvoiceID"], header["Date"][:10], header["Currency"], customer["CustomerNumber"],
                       customer["CompanyName"], str(subscription["SubscriptionID"]), subscription["SubscriptionName"],
                       str(line["LineId"]), line.get("InvoiceRowHash"), line["SKU"], line["Description"], str(line["Quantity"]),
                       micros(line["UnitPrice"]), micros(line["ExtendedPrice"]), micros(line["VAT"]),
                       line["StartDate"][:10], line["EndDate"][:10])


def stdlib(base_url, db):
    connection = sqlite3.connect(db)
    connection.execute(f"CREATE TABLE IF NOT EXISTS lines ({', '.join(COLUMNS)})")
    with connection:
        for endpoint in ENDPOINTS:
            request = urllib.request.Request(
                f"{base_url.rstrip('/')}/api/v1/{endpoint}?startDate={WINDOW[0].replace('-', '')}&endDate={WINDOW[1].replace('-', '')}",
                headers={"X-Api-Key": API_KEY, "Accept": "application/json"})
            with urllib.request.urlopen(request) as response:
                body = json.loads(response.read(), parse_float=decimal.Decimal)
            for document in body["Invoices"]:
                connection.executemany(f"INSERT INTO lines VALUES ({', '.join('?' * len(COLUMNS))})", flatten(endpoint, document))
    connection.close()


def to_csv(directory, out_path):
    import csv
    with open(out_path, "w", newline="") as out:
        writer = csv.writer(out)
        for endpoint in ENDPOINTS:
            with open(os.path.join(directory, f"{endpoint}.json"), "rb") as f:
                body = json.loads(f.read(), parse_float=decimal.Decimal)
            for document in body["Invoices"]:
                writer.writerows(flatten(endpoint, document))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "generate":
        specs = int(args[args.index("--specs-lines") + 1]) if "--specs-lines" in args else None
        shape = tuple(int(n) for n in args[args.index("--per-document") + 1].split(",")) if "--per-document" in args else PER_DOCUMENT
        generate(args[0], int(args[1]), specs, shape, twotcloud="--twotcloud" in args)
    elif command == "serve":
        serve(args[0], args[1])
    elif command == "stdlib":
        stdlib(args[0], args[1])
    elif command == "csv":
        to_csv(args[0], args[1])
    elif command == "count":
        print(sqlite3.connect(args[0]).execute("SELECT count(*) FROM lines").fetchone()[0])
    elif command == "columns":
        print(", ".join(COLUMNS))
    else:
        sys.exit(f"unknown command {command}")
