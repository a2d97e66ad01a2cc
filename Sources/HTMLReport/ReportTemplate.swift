/// The page, as Mustache templates: `{{value}}` escapes HTML, so names from vendors and the CRM
/// are shown as text, never read as markup. No JavaScript and no external resource: the file is
/// read as it is, offline.
enum ReportTemplate {
    static let page = """
        <!DOCTYPE html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Margin and leakage {{month}}</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1140px; padding: 0 12px; color: #1d232b; background: #fff; }
        h1 { font-size: 24px; margin-bottom: 4px; }
        h2 { font-size: 19px; margin-top: 36px; border-bottom: 2px solid #d8dde4; padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 18px 0 6px; }
        p.meta, p.note { color: #56606c; font-size: 13px; margin: 4px 0; }
        table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
        th, td { padding: 3px 10px; border-bottom: 1px solid #e4e8ee; text-align: left; vertical-align: top; }
        th { background: #f2f4f7; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.neg { color: #b3261e; }
        td.skus { max-width: 220px; overflow-wrap: anywhere; font-size: 12px; }
        svg { display: block; margin: 6px 0; max-width: 100%; height: auto; }
        svg text { font-size: 11px; fill: #56606c; }
        .legend { font-size: 12px; margin: 2px 0 8px; }
        .legend span { display: inline-block; margin-right: 14px; }
        .legend i { display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px; }
        .cost { fill: #8b96a5; background: #8b96a5; }
        .sell { fill: #3d7bd9; background: #3d7bd9; }
        .margin { fill: #2e9d5b; background: #2e9d5b; }
        .unbilled { fill: #d9534f; background: #d9534f; }
        .matched { fill: #2e9d5b; background: #2e9d5b; }
        .quantity_mismatch { fill: #f0ad4e; background: #f0ad4e; }
        .ambiguous { fill: #9b6bd6; background: #9b6bd6; }
        .unbacked { fill: #4a4a4a; background: #4a4a4a; }
        .ok { color: #2e9d5b; }
        .bad { color: #b3261e; font-weight: 600; }
        .empty { color: #56606c; font-style: italic; }
        </style>
        </head>
        <body>
        <h1>Margin and leakage — {{month}}</h1>
        <p class="meta">Warehouse {{database}} · vendors: {{#vendors}}{{.}} {{/vendors}}{{^vendors}}none{{/vendors}}· {{monthsText}} ({{firstMonth}} to {{month}}) · generated {{generatedAt}}</p>
        <p class="meta">Amounts are per currency, rounded to 2 decimals for reading (the exact value is in each cell's data-micros); different currencies are never added. The figures are those of <code>billwh report margin</code> and <code>billwh report exceptions</code>.</p>
        {{^hasData}}<p class="empty" id="no-data">No purchases in {{month}}.</p>{{/hasData}}

        <h2 id="margin">Margin, cost and sell per month</h2>
        {{#marginSections}}
        <h3>{{currency}}</h3>
        {{#chart}}{{> chart}}{{/chart}}
        <table class="months" data-currency="{{currency}}">
        <thead><tr><th>month</th><th class="num">lines</th><th class="num">cost</th><th class="num">sell</th><th class="num">margin</th><th class="num">unbilled cost</th></tr></thead>
        <tbody>
        {{#rows}}<tr data-month="{{month}}"><td>{{month}}</td><td class="num" data-count="{{lines}}">{{linesText}}</td>{{#cost}}{{> amount}}{{/cost}}{{^cost}}<td></td>{{/cost}}{{#sell}}{{> amount}}{{/sell}}{{^sell}}<td></td>{{/sell}}{{#margin}}{{> amount}}{{/margin}}{{^margin}}<td></td>{{/margin}}{{#unbilled}}{{> amount}}{{/unbilled}}{{^unbilled}}<td></td>{{/unbilled}}</tr>
        {{/rows}}
        </tbody>
        </table>
        {{/marginSections}}
        {{^marginSections}}<p class="empty">No purchases in these months.</p>{{/marginSections}}

        <h2 id="leakage">Revenue leakage: cost never billed</h2>
        {{#leakageSections}}
        <h3>{{currency}}</h3>
        {{#chart}}{{> chart}}{{/chart}}
        {{/leakageSections}}
        <h3>Top customers by unbilled cost in {{month}}</h3>
        {{#hasTopCustomers}}<table class="top-customers">
        <thead><tr><th>vendor</th><th>customer</th><th>name</th><th>currency</th><th class="num">unbilled cost</th></tr></thead>
        <tbody>
        {{#topCustomers}}<tr><td>{{vendor}}</td><td>{{customerNumber}}</td><td>{{name}}</td><td>{{currency}}</td>{{#unbilled}}{{> amount}}{{/unbilled}}{{^unbilled}}<td></td>{{/unbilled}}</tr>
        {{/topCustomers}}
        </tbody></table>{{/hasTopCustomers}}
        {{^hasTopCustomers}}<p class="empty">No unbilled cost in {{month}}.</p>{{/hasTopCustomers}}
        <h3>Top SKUs by unbilled cost in {{month}}</h3>
        {{#hasTopSkus}}<table class="top-skus">
        <thead><tr><th>vendor</th><th>SKU</th><th>description</th><th>currency</th><th class="num">unbilled cost</th></tr></thead>
        <tbody>
        {{#topSkus}}<tr><td>{{vendor}}</td><td>{{sku}}</td><td>{{description}}</td><td>{{currency}}</td>{{#unbilled}}{{> amount}}{{/unbilled}}{{^unbilled}}<td></td>{{/unbilled}}</tr>
        {{/topSkus}}
        </tbody></table>{{/hasTopSkus}}
        {{^hasTopSkus}}<p class="empty">No unbilled cost in {{month}}.</p>{{/hasTopSkus}}

        <h2 id="status">Match status per month (lines)</h2>
        {{#statusChart}}{{> chart}}{{/statusChart}}
        <table class="status">
        <thead><tr><th>month</th>{{#statusNames}}<th class="num">{{.}}</th>{{/statusNames}}</tr></thead>
        <tbody>
        {{#statusRows}}<tr data-month="{{month}}"><td>{{month}}</td>{{#counts}}<td class="num" data-status="{{status}}" data-count="{{count}}">{{text}}</td>{{/counts}}</tr>
        {{/statusRows}}
        </tbody></table>

        <h2 id="exceptions">Exceptions in {{month}}</h2>
        {{#hasExceptions}}<table class="exceptions">
        <thead><tr><th>exception</th><th>vendor</th><th>customer</th><th>name</th><th>currency</th><th class="num">lines</th><th class="num">cost</th><th class="num">sell</th><th class="num">margin</th><th>SKUs</th></tr></thead>
        <tbody>
        {{#exceptions}}<tr><td>{{exception}}</td><td>{{vendor}}</td><td>{{customerNumber}}</td><td>{{name}}</td><td>{{currency}}</td><td class="num" data-count="{{lines}}">{{linesText}}</td>{{#cost}}{{> amount}}{{/cost}}{{^cost}}<td></td>{{/cost}}{{#sell}}{{> amount}}{{/sell}}{{^sell}}<td></td>{{/sell}}{{#margin}}{{> amount}}{{/margin}}{{^margin}}<td></td>{{/margin}}<td class="skus">{{skus}}</td></tr>
        {{/exceptions}}
        </tbody></table>{{/hasExceptions}}
        {{^hasExceptions}}<p class="empty">No exceptions in {{month}}.</p>{{/hasExceptions}}

        <h2 id="customers">Margin by customer in {{month}}</h2>
        {{#hasCustomers}}<table class="customers">
        <thead><tr><th>vendor</th><th>customer</th><th>name</th><th>CRM company</th><th>currency</th><th class="num">lines</th><th class="num">cost</th><th class="num">sell</th><th class="num">margin</th><th class="num">margin %</th><th class="num">unbilled cost</th></tr></thead>
        <tbody>
        {{#customers}}<tr><td>{{vendor}}</td><td>{{customerNumber}}</td><td>{{name}}</td><td>{{crmName}}</td><td>{{currency}}</td><td class="num" data-count="{{lines}}">{{linesText}}</td>{{#cost}}{{> amount}}{{/cost}}{{^cost}}<td></td>{{/cost}}{{#sell}}{{> amount}}{{/sell}}{{^sell}}<td></td>{{/sell}}{{#margin}}{{> amount}}{{/margin}}{{^margin}}<td></td>{{/margin}}<td class="num">{{marginPct}}</td>{{#unbilled}}{{> amount}}{{/unbilled}}{{^unbilled}}<td></td>{{/unbilled}}</tr>
        {{/customers}}
        </tbody></table>{{/hasCustomers}}
        {{^hasCustomers}}<p class="empty">No purchases in {{month}}.</p>{{/hasCustomers}}

        <h2 id="freshness">Data freshness</h2>
        {{#hasEndpoints}}<table class="endpoints">
        <thead><tr><th>vendor</th><th>endpoint</th><th>last good run</th><th>last outcome</th><th>window covered</th><th class="num">documents</th><th class="num">quarantined</th></tr></thead>
        <tbody>
        {{#endpoints}}<tr><td>{{vendor}}</td><td>{{endpoint}}</td><td>{{lastGoodRun}}</td><td class="{{outcomeClass}}">{{lastOutcome}}</td><td>{{covered}}</td><td class="num">{{documents}}</td><td class="num">{{quarantined}}</td></tr>
        {{/endpoints}}
        </tbody></table>{{/hasEndpoints}}
        {{^hasEndpoints}}<p class="bad">No ingest has run on this warehouse.</p>{{/hasEndpoints}}
        {{#hasFailedChecks}}<p class="bad">Data checks that fail — read the figures with care:</p>
        <table class="checks"><thead><tr><th>check</th><th>rule</th><th class="num">offending rows</th></tr></thead><tbody>
        {{#failedChecks}}<tr><td>{{name}}</td><td>{{rule}}</td><td class="num">{{failures}}</td></tr>
        {{/failedChecks}}
        </tbody></table>{{/hasFailedChecks}}
        {{^hasFailedChecks}}<p class="ok">Every data check passes.</p>{{/hasFailedChecks}}
        {{#hasReminders}}<p>Reminders (not failures):</p>
        <table class="checks"><thead><tr><th>check</th><th>rule</th><th class="num">rows</th></tr></thead><tbody>
        {{#reminders}}<tr><td>{{name}}</td><td>{{rule}}</td><td class="num">{{failures}}</td></tr>
        {{/reminders}}
        </tbody></table>{{/hasReminders}}
        {{#hasQuarantined}}<p class="bad">Quarantined documents (not in the figures until resolved):</p>
        <table class="quarantine"><thead><tr><th>vendor</th><th>endpoint</th><th>document</th><th>reason</th><th>last seen</th></tr></thead><tbody>
        {{#quarantined}}<tr><td>{{vendor}}</td><td>{{endpoint}}</td><td>{{document}}</td><td>{{reason}}</td><td>{{lastSeen}}</td></tr>
        {{/quarantined}}
        </tbody></table>{{/hasQuarantined}}
        {{^hasQuarantined}}<p class="ok">No quarantined documents.</p>{{/hasQuarantined}}
        </body>
        </html>

        """

    /// An amount cell: the rounded text for people, the exact micros for machines.
    static let amount = """
        <td class="num{{#negative}} neg{{/negative}}" data-micros="{{micros}}" data-currency="{{currency}}" data-field="{{field}}">{{text}}</td>
        """

    static let chart = """
        <svg id="{{id}}" class="chart" viewBox="{{viewBox}}" width="{{width}}" height="{{height}}" role="img" aria-label="{{ariaLabel}}">
        {{#baseline}}<line x1="{{plotLeft}}" x2="{{plotRight}}" y1="{{y}}" y2="{{y}}" stroke="#9aa3ad" stroke-width="1"/>{{/baseline}}
        {{#bars}}<rect class="bar {{cssClass}}" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" data-month="{{month}}" data-series="{{series}}" data-value="{{value}}"><title>{{title}}</title></rect>
        {{/bars}}
        {{#labels}}<text x="{{x}}" y="{{y}}" text-anchor="{{anchor}}">{{text}}</text>
        {{/labels}}
        </svg>
        <div class="legend">{{#legend}}<span><i class="{{cssClass}}"></i>{{name}}</span>{{/legend}}</div>
        """
}
