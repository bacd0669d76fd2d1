// keyward_bench: Keyward's hot paths as ratios against a baseline measured in the same run on the
// same machine. A ratio near 1 means Keyward adds little over the baseline.
//
//   mcp_ping   ping round trip through McpSession   vs  nlohmann parse + dump of the same bytes
//   redactor   Redactor on a 10 MiB body            vs  QByteArray::replace of the raw secret
//   gate       policy work per decision, 100 rules + 10 agents  vs  no rules, no agents
//   execute    `keyward mcp` execute over HTTPS     vs  QNetworkAccessManager GETs of the same URL
//              (needs the keychain: run it through tests/bench/run.sh)
//   http       32 MCP agents over HTTP → `keyward serve`  vs  the same load straight to the upstream
//              (needs the keychain too)
//   audit_model  audit browser model on 1,000,000 rows: first paint, filters, fetchMore
//              vs  a bare SELECT ... LIMIT 200 through QSqlQuery (writes a ~350 MB audit.db
//              under the temporary directory for the run)
//   tray_rss   the tray app's idle resident memory (offscreen)  vs  `keyward serve` idle
//   alerts     alert evaluation per audited call, every rule on  vs  the audit append of the same rows;
//              and the memory of 100 agents x 50 services baselines
//
// Usage: keyward_bench [mcp_ping|redactor|gate|execute|http|audit_model|tray_rss|alerts|all]... (default all; `all` skips execute and http when
// there is no D-Bus session)

#include "bench.h"

#include <QCoreApplication>
#include <QStringList>

#include <spdlog/spdlog.h>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    spdlog::set_level(spdlog::level::warn);

    const QStringList known{QStringLiteral("mcp_ping"), QStringLiteral("redactor"), QStringLiteral("gate"), QStringLiteral("execute"),
                            QStringLiteral("http"), QStringLiteral("audit_model"), QStringLiteral("tray_rss"), QStringLiteral("alerts"), QStringLiteral("all")};
    QStringList names = app.arguments().mid(1);
    if (names.isEmpty())
        names << QStringLiteral("all");
    for (const QString &name : names) {
        if (!known.contains(name)) {
            std::fprintf(stderr, "usage: keyward_bench [mcp_ping|redactor|gate|execute|http|audit_model|tray_rss|alerts|all]...\n");
            return name == QStringLiteral("-h") || name == QStringLiteral("--help") ? 0 : 2;
        }
    }
    const bool all = names.contains(QStringLiteral("all"));
    const auto selected = [&](const char *name) { return all || names.contains(QLatin1String(name)); };

    int status = 0;
    if (selected("mcp_ping") && keyward::bench::runMcpPingBenchmark(200000) == 0)
        status = 1;
    if (selected("gate") && keyward::bench::runGateBenchmark(100000) == 0)
        return 1;
    if (selected("redactor") && keyward::bench::runRedactorBenchmark(5) == 0)
        status = 1;
    if (selected("alerts") && keyward::bench::runAlertsBenchmark(20000) != 0)
        status = 1;
    if (selected("audit_model") && keyward::bench::runAuditModelBenchmark(1000000) != 0)
        status = 1;
    if (selected("tray_rss") && keyward::bench::runTrayRssBenchmark() != 0)
        status = 1;
    if (names.contains(QStringLiteral("execute"))
        || (all && !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))) {
        if (keyward::bench::runExecuteBenchmark() != 0)
            status = 1;
    } else if (all) {
        std::printf("bench execute: skipped, no DBUS_SESSION_BUS_ADDRESS (it needs the keychain; run tests/bench/run.sh)\n");
    }
    if (names.contains(QStringLiteral("http")) || (all && !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))) {
        if (keyward::bench::runHttpBenchmark() != 0)
            status = 1;
    }
    std::fflush(stdout);
    return status;
}
