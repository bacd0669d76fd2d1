#include "admin/servicetest.h"

#include "admin/serviceadmin.h"
#include "config/configstore.h"
#include "secrets/secretcache.h"
#include "upstream/upstreamclient.h"

#include <QDir>
#include <QPointer>
#include <QTemporaryDir>

namespace keyward::admin {

namespace {

using json = nlohmann::json;

// A SecretStore that holds one secret in memory (the draft's), wiped when destroyed. Answers from
// the event loop, as the SecretStore contract asks.
class OneSecretStore : public QObject, public SecretStore {
public:
    OneSecretStore(QString key, QByteArray secret) : m_key(std::move(key)), m_secret(std::move(secret)) {}
    ~OneSecretStore() override { wipe(m_secret); }

    void read(const QString &key, ReadCallback done) override
    {
        QMetaObject::invokeMethod(
            this,
            [this, key, done] {
                if (key == m_key)
                    done(m_secret);
                else
                    done(Error{QString::fromLatin1(secret_errors::kNotFound), QStringLiteral("no secret for %1").arg(key)});
            },
            Qt::QueuedConnection);
    }
    void write(const QString &, const QByteArray &, DoneCallback done) override { refuse(std::move(done)); }
    void remove(const QString &, DoneCallback done) override { refuse(std::move(done)); }

private:
    void refuse(DoneCallback done)
    {
        QMetaObject::invokeMethod(
            this,
            [done] {
                done(Error{QString::fromLatin1(secret_errors::kKeychain),
                           QStringLiteral("the test call's secret store is read-only")});
            },
            Qt::QueuedConnection);
    }

    QString m_key;
    QByteArray m_secret;
};

} // namespace

json serviceTestArguments(const QString &name, const ServiceConfig &service)
{
    const QString testPath = service.testPath;
    return json{{"service", name.toStdString()},
                {"method", testPath.isEmpty() ? "HEAD" : "GET"},
                {"path", testPath.isEmpty() ? "/" : testPath.toStdString()},
                {"reason", "keyward service test"}};
}

void testService(CallExecutor &executor, const QString &name, const ServiceConfig &service, const Caller &caller,
                 ServiceTestCallback done)
{
    const json arguments = serviceTestArguments(name, service);
    ServiceTestOutcome outcome;
    outcome.method = QString::fromStdString(arguments["method"].get<std::string>());
    outcome.path = QString::fromStdString(arguments["path"].get<std::string>());
    executor.execute(arguments, caller, [outcome, done](const json &result) mutable {
        if (result.value("isError", false)) {
            const auto denial = json::parse(result["content"][0]["text"].get<std::string>(), nullptr, false);
            const bool parsed = denial.is_object();
            done(Error{QString::fromStdString(parsed ? denial.value("error", "error") : std::string("error")),
                       QString::fromStdString(parsed ? denial.value("message", "") : std::string())});
            return;
        }
        outcome.status = result["structuredContent"].value("status", 0);
        done(outcome);
    });
}

struct DraftServiceTest::Call {
    QTemporaryDir dir;
    std::unique_ptr<ConfigStore> config;
    std::unique_ptr<OneSecretStore> store;
    std::unique_ptr<SecretCache> secrets;
    std::unique_ptr<UpstreamClient> upstream;
    std::unique_ptr<CallExecutor> executor;

    ~Call()
    {
        // The executor first: it holds references to the rest.
        executor.reset();
        upstream.reset();
        secrets.reset();
        store.reset();
        config.reset();
    }
};

DraftServiceTest::DraftServiceTest(KillState &kills, AuditLog &audit, QNetworkAccessManager &network, QObject *parent)
    : QObject(parent), m_kills(kills), m_audit(audit), m_network(network)
{
}

DraftServiceTest::~DraftServiceTest() = default;

void DraftServiceTest::run(const QString &name, const ServiceConfig &service, QByteArray secret, const Caller &caller,
                           ServiceTestCallback done)
{
    auto later = [this](ServiceTestCallback callback, Error error) {
        QMetaObject::invokeMethod(this, [callback, error] { callback(error); }, Qt::QueuedConnection);
    };
    if (m_call) {
        wipe(secret);
        later(std::move(done), Error{QStringLiteral("busy"), QStringLiteral("a test call is still running; wait for its result")});
        return;
    }
    auto call = std::make_unique<Call>();
    if (!call->dir.isValid()) {
        wipe(secret);
        later(std::move(done), Error{QStringLiteral("io_error"), QStringLiteral("cannot create a temporary directory for the test call")});
        return;
    }
    call->config = std::make_unique<ConfigStore>(QDir(call->dir.path()).filePath(QStringLiteral("config.json")));
    Config draft;
    draft.services[name] = service;
    if (auto saved = call->config->save(draft); !saved) {
        wipe(secret);
        later(std::move(done), saved.error());
        return;
    }
    call->store = std::make_unique<OneSecretStore>(serviceSecretKey(name), std::move(secret));
    wipe(secret);
    call->secrets = std::make_unique<SecretCache>(*call->store);
    call->upstream = std::make_unique<UpstreamClient>(m_network);
    call->executor = std::make_unique<CallExecutor>(*call->config, m_kills, *call->secrets, *call->upstream, m_audit);
    m_call = std::move(call);
    m_done = std::move(done);
    testService(*m_call->executor, name, service, caller, [this](Result<ServiceTestOutcome> outcome) {
        // The executor is still on the stack here: end the call from the event loop.
        QMetaObject::invokeMethod(this, [this, outcome] { finish(outcome); }, Qt::QueuedConnection);
    });
}

void DraftServiceTest::finish(Result<ServiceTestOutcome> outcome)
{
    m_call.reset(); // the secret is wiped with the store and the cache
    ServiceTestCallback done = std::move(m_done);
    m_done = nullptr;
    if (done)
        done(std::move(outcome));
}

} // namespace keyward::admin
