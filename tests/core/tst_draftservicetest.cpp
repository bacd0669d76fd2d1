// The test call of a service not saved yet (admin::DraftServiceTest, the wizard's Test): the real
// gate, injector and upstream client against a real HTTPS server on 127.0.0.1, with the secret in
// memory only; the status is reported whatever it is, a kill switch refuses it, and nothing lands
// in the home's config or secret store.

#include "admin/servicetest.h"

#include "support/e2eprocess.h"
#include "support/httpsupstream.h"
#include "support/temphome.h"

#include "audit/auditlog.h"
#include "core/keywardhome.h"
#include "state/killstate.h"

#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QtTest>

#include <optional>

using namespace keyward;
using keyward::admin::DraftServiceTest;
using keyward::admin::ServiceTestOutcome;

namespace {

struct Fixture {
    test::TempHome dir;
    KeywardHome home = KeywardHome::atDirectory(dir.path());
    KillState kills{home.stateFile()};
    AuditLog audit{home.auditDatabase()};
    QNetworkAccessManager network;
    DraftServiceTest tester{kills, audit, network};

    Fixture()
    {
        if (!kills.load())
            qFatal("cannot load state.json");
    }

    std::optional<Result<ServiceTestOutcome>> run(const ServiceConfig &service, const QByteArray &secret)
    {
        std::optional<Result<ServiceTestOutcome>> outcome;
        tester.run(QStringLiteral("draft"), service, secret, Caller{QStringLiteral("tray"), QStringLiteral("keyward-tray")},
                   [&outcome](Result<ServiceTestOutcome> result) { outcome = result; });
        if (!QTest::qWaitFor([&outcome] { return outcome.has_value(); }, 15000))
            return std::nullopt;
        return outcome;
    }
};

ServiceConfig draftOn(const test::HttpsUpstream &upstream, const QString &testPath)
{
    ServiceConfig service;
    service.baseUrl = upstream.baseUrl();
    service.caFile = upstream.caFile();
    service.testPath = testPath;
    return service;
}

} // namespace

class TestDraftServiceTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void injectsTheSecretAndReportsTheStatus()
    {
        test::HttpsUpstream upstream;
        QVERIFY2(upstream.start(), qPrintable(upstream.errorString()));
        Fixture f;
        const QByteArray canary = test::randomCanary();
        const auto outcome = f.run(draftOn(upstream, QStringLiteral("/status/401")), canary);
        QVERIFY(outcome.has_value());
        QVERIFY2(outcome->ok(), outcome->ok() ? "" : qPrintable(outcome->error().message));
        QCOMPARE(outcome->value().status, 401);
        QCOMPARE(outcome->value().method, QStringLiteral("GET"));
        QVERIFY(!outcome->value().ok());
        const auto received = upstream.received();
        QCOMPARE(received.size(), size_t(1));
        QCOMPARE(QByteArray::fromStdString(received[0]["headers"]["authorization"].get<std::string>()), "Bearer " + canary);
        QVERIFY(!QFileInfo::exists(f.home.configFile()));
        QVERIFY(!f.tester.running());
    }

    void oneCallAtATime()
    {
        test::HttpsUpstream upstream;
        QVERIFY2(upstream.start(), qPrintable(upstream.errorString()));
        Fixture f;
        std::optional<Result<ServiceTestOutcome>> first;
        std::optional<Result<ServiceTestOutcome>> second;
        const ServiceConfig service = draftOn(upstream, QStringLiteral("/user"));
        const Caller caller{QStringLiteral("tray"), QStringLiteral("keyward-tray")};
        f.tester.run(QStringLiteral("draft"), service, "k1", caller, [&first](Result<ServiceTestOutcome> r) { first = r; });
        f.tester.run(QStringLiteral("draft"), service, "k2", caller, [&second](Result<ServiceTestOutcome> r) { second = r; });
        QVERIFY(QTest::qWaitFor([&] { return first.has_value() && second.has_value(); }, 15000));
        QVERIFY2(first->ok(), first->ok() ? "" : qPrintable(first->error().code + u' ' + first->error().message));
        QCOMPARE(first->value().status, 200);
        QVERIFY(!second->ok());
        QCOMPARE(second->error().code, QStringLiteral("busy"));
    }

    void aKillSwitchRefusesIt()
    {
        test::HttpsUpstream upstream;
        QVERIFY2(upstream.start(), qPrintable(upstream.errorString()));
        Fixture f;
        QVERIFY(f.kills.kill(KillTarget::all()));
        const auto outcome = f.run(draftOn(upstream, QStringLiteral("/user")), "secret");
        QVERIFY(outcome.has_value());
        QVERIFY(!outcome->ok());
        QCOMPARE(outcome->error().code, QStringLiteral("killed"));
        QVERIFY(upstream.received().empty());
    }

    void anInvalidDraftIsRefusedBeforeAnyCall()
    {
        Fixture f;
        ServiceConfig service;
        service.baseUrl = QStringLiteral("http://api.example.com");
        const auto outcome = f.run(service, "secret");
        QVERIFY(outcome.has_value());
        QVERIFY(!outcome->ok());
        QCOMPARE(outcome->error().code, QStringLiteral("config_invalid"));
    }
};

QTEST_GUILESS_MAIN(TestDraftServiceTest)
#include "tst_draftservicetest.moc"
