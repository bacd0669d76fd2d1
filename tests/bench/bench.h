#pragma once

#include <QtGlobal>

#include <cstddef>

// The benchmarks keyward_bench runs, one per file. Each prints one `bench NAME: ...` line per
// figure, with a ratio against a baseline measured in the same run, and never asserts a timing.
namespace keyward::bench {

// McpSession ping round trips against nlohmann parse + dump of the same bytes. Returns a checksum
// (0 means the work did not happen).
std::size_t runMcpPingBenchmark(int iterations);

// Redactor throughput on a 10 MiB body against QByteArray::replace. Returns a checksum.
qsizetype runRedactorBenchmark(int rounds);

// The gate's pure policy work per decision with 100 rules and 10 agents against a service with no
// rules. Returns a checksum.
std::size_t runGateBenchmark(int iterations);

// `keyward mcp` end to end against a real HTTPS upstream on 127.0.0.1: start time, per-call
// latency of `execute` against an in-process QNetworkAccessManager, peak RSS. Needs a D-Bus
// session with an unlocked Secret Service (tests/bench/run.sh). Returns 0, or 1 when it could not
// run (the reason is printed to stderr).
int runExecuteBenchmark();

// 32 concurrent MCP agents over Streamable HTTP against `keyward serve --http 0`, every call an
// `execute` GET to the HTTPS upstream, against the same load sent to the upstream directly:
// calls/s, p50/p99, added p99, and audit rows == calls. Same needs and return as execute.
int runHttpBenchmark();

// The audit browser's model over `rows` generated audit rows: first paint, filters and fetchMore
// against a bare SELECT ... LIMIT 200 through QSqlQuery. Returns 0, or 1 when it could not run.
int runAuditModelBenchmark(int rows);

// The tray app's resident memory after a few idle seconds (offscreen) against `keyward serve`
// started the same way. Returns 0, or 1 when it could not run.
int runTrayRssBenchmark();
// Alert evaluation per audited call with every rule on against the audit append of the same rows,
// and the memory of the baselines of 100 agents x 50 services. Returns 0, or 1 when it could not run.
int runAlertsBenchmark(int calls);

} // namespace keyward::bench
