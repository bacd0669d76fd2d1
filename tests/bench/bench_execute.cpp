// `keyward mcp` end to end, against a real HTTPS upstream on 127.0.0.1 (tests/e2e/https_upstream.mjs)
// and a service added with the CLI, its secret in the real keychain:
//
//   execute   tools/call execute GET /echo, one at a time    vs  QNetworkAccessManager GETs of the
//             over one long-lived `keyward mcp`                   same URL in this process (CA
//                                                                 trusted, bearer header set)
//   start     spawn `keyward mcp` → initialize response      vs  spawn `cat` → the same line echoed
//   rss       VmHWM of the long-lived `keyward mcp` (a bridge) and of the owner it started, after the calls
//
// Both call loops are interleaved in blocks, after the same number of warm-up calls, so drift in
// the machine's load affects both alike. Targets are printed next to the figures, never enforced.

#include "bench.h"

#include "core/keywardhome.h"
#include "daemon/ownerlock.h"
#include "support/httpsupstream.h"
#include "upstream/redactor.h"

#include <nlohmann/json.hpp>

#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

namespace keyward::bench {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kCalls = 2000;
constexpr int kWarmUpCalls = 20;
constexpr int kBlock = 200;
constexpr int kSpawns = 20;
constexpr int kTimeoutMs = 30000; // a hang guard, not a measure

constexpr double kTargetAddedP50Ms = 0.3;
constexpr double kTargetStartMs = 50.0;
constexpr double kTargetRssMiB = 30.0;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Nearest-rank percentile, p in (0, 1].
double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    const auto rank = std::size_t(std::ceil(p * double(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

const char *verdict(double value, double target) { return value <= target ? "within target" : "over target"; }

QProcessEnvironment environmentFor(const QString &home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KEYWARD_HOME"), home);
    return env;
}

// A bearer secret made for this run; it lives in the keychain, the upstream and this process only.
QByteArray randomSecret()
{
    QByteArray bytes(24, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    return "kwbench_" + bytes.toHex();
}

// Reads stdout lines of `process` until one is a JSON-RPC response with `id`; `arrived` is when
// that line was complete. std::nullopt on timeout or exit.
std::optional<json> waitForResponse(QProcess &process, int id, Clock::time_point *arrived = nullptr)
{
    for (;;) {
        while (!process.canReadLine()) {
            if (!process.waitForReadyRead(kTimeoutMs))
                return std::nullopt;
        }
        const auto at = Clock::now();
        const QByteArray line = process.readLine();
        json message = json::parse(line.begin(), line.end(), nullptr, false);
        if (message.is_object() && message.value("id", json()) == id) {
            if (arrived)
                *arrived = at;
            return message;
        }
    }
}

void stopProcess(QProcess &process)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.closeWriteChannel();
    if (!process.waitForFinished(5000)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

// Milliseconds from QProcess::start to the first line `program` writes in answer to `line`,
// written right after start; std::nullopt if none came.
std::optional<double> spawnToFirstLine(const QString &program, const QStringList &args, const QProcessEnvironment &env,
                                       const QByteArray &line, int id)
{
    QProcess process;
    process.setProcessEnvironment(env);
    const auto start = Clock::now();
    process.start(program, args);
    process.write(line);
    Clock::time_point arrived;
    const bool answered = waitForResponse(process, id, &arrived).has_value();
    stopProcess(process);
    if (!answered)
        return std::nullopt;
    return std::chrono::duration<double, std::milli>(arrived - start).count();
}

// Peak resident set size of `pid` in KiB (VmHWM), or -1.
qint64 peakRssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

QByteArray initializeLine(int id)
{
    const json request{{"jsonrpc", "2.0"},
                       {"id", id},
                       {"method", "initialize"},
                       {"params",
                        {{"protocolVersion", "2025-11-25"},
                         {"capabilities", json::object()},
                         {"clientInfo", {{"name", "bench"}, {"version", "1"}}}}}};
    return QByteArray::fromStdString(request.dump()) + '\n';
}

QByteArray executeLine(int id)
{
    const json request{{"jsonrpc", "2.0"},
                       {"id", id},
                       {"method", "tools/call"},
                       {"params",
                        {{"name", "execute"}, {"arguments", {{"service", "bench"}, {"method", "GET"}, {"path", "/echo"}}}}}};
    return QByteArray::fromStdString(request.dump()) + '\n';
}

// The in-process baseline: what an agent holding the key itself would do.
class DirectClient {
public:
    DirectClient(const QString &url, const QString &caFile, const QByteArray &secret) : m_request(QUrl(url))
    {
        m_request.setRawHeader("Authorization", "Bearer " + secret);
        m_request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        m_request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
        m_request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
        tls.addCaCertificates(QSslCertificate::fromPath(caFile));
        m_request.setSslConfiguration(tls);
    }

    // Milliseconds for one GET, or std::nullopt unless it answered 200 with a body.
    std::optional<double> get()
    {
        const auto start = Clock::now();
        QNetworkReply *reply = m_network.get(m_request);
        if (!reply->isFinished()) {
            QEventLoop loop;
            QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
        }
        const QByteArray body = reply->readAll();
        const double ms = msSince(start);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool ok = reply->error() == QNetworkReply::NoError && status == 200 && !body.isEmpty();
        if (!ok)
            m_lastError = reply->errorString();
        delete reply;
        return ok ? std::optional<double>(ms) : std::nullopt;
    }
    QString lastError() const { return m_lastError; }

private:
    QNetworkAccessManager m_network;
    QNetworkRequest m_request;
    QString m_lastError;
};

// One long-lived `keyward mcp`, driven one request at a time.
class McpChild {
public:
    bool start(const QProcessEnvironment &env)
    {
        m_process.setProcessEnvironment(env);
        m_process.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("mcp")});
        if (!m_process.waitForStarted(kTimeoutMs))
            return false;
        m_process.write(initializeLine(m_nextId));
        const auto reply = waitForResponse(m_process, m_nextId++);
        if (!reply || !reply->contains("result"))
            return false;
        m_process.write(R"({"jsonrpc":"2.0","method":"notifications/initialized"})" "\n");
        return true;
    }

    // Milliseconds from writing one execute call to its response line; std::nullopt unless the
    // call succeeded with upstream status 200. `failure` gets the response otherwise.
    std::optional<double> execute(QByteArray *failure)
    {
        const int id = m_nextId++;
        const QByteArray line = executeLine(id);
        const auto start = Clock::now();
        m_process.write(line);
        Clock::time_point arrived;
        const auto reply = waitForResponse(m_process, id, &arrived);
        const double ms = std::chrono::duration<double, std::milli>(arrived - start).count();
        if (!reply) {
            *failure = "no response: " + m_process.readAllStandardError();
            return std::nullopt;
        }
        const json result = reply->value("result", json());
        if (!result.is_object() || result.value("isError", true)
            || result.value("structuredContent", json::object()).value("status", 0) != 200) {
            *failure = QByteArray::fromStdString(reply->dump());
            return std::nullopt;
        }
        return ms;
    }

    qint64 processId() const { return m_process.processId(); }
    void stop() { stopProcess(m_process); }

private:
    QProcess m_process;
    int m_nextId = 1;
};

} // namespace

int runExecuteBenchmark()
{
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
        std::fprintf(stderr, "bench execute: needs a D-Bus session with an unlocked Secret Service: run tests/bench/run.sh\n");
        return 1;
    }
    test::HttpsUpstream upstream;
    if (!upstream.start()) {
        std::fprintf(stderr, "bench execute: %s\n", qPrintable(upstream.errorString()));
        return 1;
    }
    QTemporaryDir home;
    if (!home.isValid() || !QFile::setPermissions(home.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)) {
        std::fprintf(stderr, "bench execute: no temporary KEYWARD_HOME\n");
        return 1;
    }
    const QProcessEnvironment env = environmentFor(home.path());
    const QByteArray secret = randomSecret();
    const Redactor scrub({secret}, QStringLiteral("bench")); // whatever this prints goes through it

    {
        QProcess add;
        add.setProcessEnvironment(env);
        add.start(QStringLiteral(KEYWARD_BINARY),
                  {QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("bench"), QStringLiteral("--base-url"),
                   upstream.baseUrl(), QStringLiteral("--auth"), QStringLiteral("bearer"), QStringLiteral("--ca-file"),
                   upstream.caFile()});
        add.write(secret + '\n');
        add.closeWriteChannel();
        if (!add.waitForFinished(60000) || add.exitStatus() != QProcess::NormalExit || add.exitCode() != 0) {
            std::fprintf(stderr, "bench execute: keyward service add failed: %s\n",
                         scrub.redact(add.readAllStandardError()).constData());
            stopProcess(add);
            return 1;
        }
    }

    // Start time: a fresh process per spawn, initialize written right after start.
    std::vector<double> startMs;
    std::vector<double> catMs;
    const QByteArray initialize = initializeLine(1);
    for (int i = 0; i < kSpawns; ++i) {
        const auto keyward = spawnToFirstLine(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("mcp")}, env, initialize, 1);
        const auto cat = spawnToFirstLine(QStringLiteral("cat"), {}, env, initialize, 1);
        if (!keyward || !cat) {
            std::fprintf(stderr, "bench execute: %s did not answer initialize\n", keyward ? "cat" : "keyward mcp");
            return 1;
        }
        startMs.push_back(*keyward);
        catMs.push_back(*cat);
    }

    DirectClient direct(upstream.baseUrl(QStringLiteral("/echo")), upstream.caFile(), secret);
    McpChild mcp;
    if (!mcp.start(env)) {
        std::fprintf(stderr, "bench execute: keyward mcp did not initialize\n");
        return 1;
    }

    std::vector<double> baselineMs;
    std::vector<double> keywardMs;
    QByteArray failure;
    const auto runDirect = [&](int count, std::vector<double> *into) {
        for (int i = 0; i < count; ++i) {
            const auto ms = direct.get();
            if (!ms) {
                failure = "baseline GET failed: " + direct.lastError().toUtf8();
                return false;
            }
            if (into)
                into->push_back(*ms);
        }
        return true;
    };
    const auto runKeyward = [&](int count, std::vector<double> *into) {
        for (int i = 0; i < count; ++i) {
            const auto ms = mcp.execute(&failure);
            if (!ms)
                return false;
            if (into)
                into->push_back(*ms);
        }
        return true;
    };
    bool ok = runDirect(kWarmUpCalls, nullptr) && runKeyward(kWarmUpCalls, nullptr);
    for (int done = 0; ok && done < kCalls; done += kBlock) {
        // Alternate which side goes first in each block.
        const bool directFirst = (done / kBlock) % 2 == 0;
        ok = directFirst ? runDirect(kBlock, &baselineMs) && runKeyward(kBlock, &keywardMs)
                         : runKeyward(kBlock, &keywardMs) && runDirect(kBlock, &baselineMs);
    }
    const qint64 rssKiB = peakRssKiB(mcp.processId());
    const qint64 ownerRssKiB = peakRssKiB(daemon::OwnerLock::ownerPid(KeywardHome::atDirectory(home.path())));
    mcp.stop();
    if (!ok) {
        std::fprintf(stderr, "bench execute: %s\n", scrub.redact(failure).constData());
        return 1;
    }

    // Every call reached the upstream with the secret: keyward's as injected, the baseline's as set.
    const std::string expected = "Bearer " + secret.toStdString();
    const auto received = upstream.received();
    const std::size_t total = std::size_t(2 * (kCalls + kWarmUpCalls));
    const auto authorized = std::count_if(received.begin(), received.end(), [&](const json &request) {
        return request.is_object() && request.value("headers", json::object()).value("authorization", "") == expected;
    });
    if (received.size() != total || std::size_t(authorized) != total) {
        std::fprintf(stderr, "bench execute: the upstream saw %zu requests, %zu with the service's credential; expected %zu\n",
                     received.size(), std::size_t(authorized), total);
        return 1;
    }

    const double baseP50 = percentile(baselineMs, 0.50);
    const double baseP99 = percentile(baselineMs, 0.99);
    const double kwP50 = percentile(keywardMs, 0.50);
    const double kwP99 = percentile(keywardMs, 0.99);
    const double startP50 = percentile(startMs, 0.50);
    const double catP50 = percentile(catMs, 0.50);
    const double rssMiB = double(rssKiB) / 1024.0;

    std::printf("bench execute: %d sequential GET /echo over HTTPS to 127.0.0.1 each side, after %d warm-up calls, "
                "interleaved in blocks of %d\n",
                kCalls, kWarmUpCalls, kBlock);
    std::printf("bench execute_baseline: in-process QNetworkAccessManager, p50 %.3f ms, p99 %.3f ms\n", baseP50, baseP99);
    std::printf("bench execute_keyward: keyward mcp tools/call execute over stdio, p50 %.3f ms, p99 %.3f ms\n", kwP50, kwP99);
    std::printf("bench execute_added: p50 %+.3f ms, p99 %+.3f ms (keyward - baseline percentiles), ratio p50 %.2f, "
                "p99 %.2f (keyward / baseline); target added p50 <= %.1f ms: %s\n",
                kwP50 - baseP50, kwP99 - baseP99, kwP50 / baseP50, kwP99 / baseP99, kTargetAddedP50Ms,
                verdict(kwP50 - baseP50, kTargetAddedP50Ms));
    std::printf("bench mcp_start: spawn -> initialize response p50 %.1f ms over %d spawns; baseline spawn cat -> echoed "
                "line p50 %.1f ms, ratio %.1f; target <= %.0f ms: %s\n",
                startP50, kSpawns, catP50, startP50 / catP50, kTargetStartMs, verdict(startP50, kTargetStartMs));
    if (rssKiB < 0)
        std::printf("bench mcp_rss: VmHWM unavailable\n");
    else
        std::printf("bench mcp_rss: keyward mcp (the bridge) peak RSS (VmHWM) %.1f MiB after %d calls; target <= %.0f MiB: "
                    "%s\n",
                    rssMiB, kCalls + kWarmUpCalls, kTargetRssMiB, verdict(rssMiB, kTargetRssMiB));
    if (ownerRssKiB >= 0)
        std::printf("bench owner_rss: the background owner it started, peak RSS (VmHWM) %.1f MiB\n", double(ownerRssKiB) / 1024.0);
    return 0;
}

} // namespace keyward::bench
