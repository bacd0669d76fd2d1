#include "doctor/doctor.h"

#include "config/configjson.h"
#include "core/logging.h"
#include "doctor/checks.h"
#include "secrets/keychainadvice.h"
#include "secrets/secretstore.h"

#include <QRandomGenerator>

#include <algorithm>
#include <memory>
#include <optional>

namespace keyward {

using namespace doctor_checks;

namespace {

const QString kProbeKey = QStringLiteral("doctor/probe");

QString name(const char *check) { return QString::fromLatin1(check); }

// Our stores' errors are "problem: fix" (KeychainAdvice); show the fix part as the fix.
QString fixFrom(const Error &error)
{
    const qsizetype colon = error.message.indexOf(QLatin1String(": "));
    if (colon > 0 && colon + 2 < error.message.size())
        return error.message.mid(colon + 2);
    return QStringLiteral("make sure the keychain runs and is unlocked, then run `keyward doctor` again");
}

QByteArray randomProbeValue()
{
    QByteArray bytes(24, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    return bytes.toHex();
}

} // namespace

bool DoctorReport::ok() const
{
    return std::all_of(checks.cbegin(), checks.cend(), [](const DoctorCheck &check) { return check.ok; });
}

const DoctorCheck *DoctorReport::find(const QString &name) const
{
    for (const DoctorCheck &check : checks) {
        if (check.name == name)
            return &check;
    }
    return nullptr;
}

nlohmann::json DoctorReport::toJson() const
{
    nlohmann::json list = nlohmann::json::array();
    for (const DoctorCheck &check : checks) {
        list.push_back({{"name", check.name.toStdString()},
                        {"ok", check.ok},
                        {"message", check.message.toStdString()},
                        {"fix", check.ok ? nlohmann::json(nullptr) : nlohmann::json(check.fix.toStdString())}});
    }
    return {{"ok", ok()}, {"checks", std::move(list)}};
}

QStringList Doctor::allCheckNames()
{
    return {name(kDbusSession), name(kSecretService), name(kKeychain), name(kHome), name(kConfig), name(kAudit), name(kOwner),
            name(kTrayHost),
            name(kNotifications)};
}

Doctor::Doctor(const KeywardHome &home, SecretStore &store, Options options, QObject *parent)
    : QObject(parent), m_home(home), m_store(store), m_options(std::move(options))
{
    if (m_options.secretStore) {
        m_storeKind = *m_options.secretStore;
    } else if (const auto config = loadConfigFile(m_home.configFile())) {
        m_storeKind = config->settings.secretStore;
    }
    const bool fileStore = m_storeKind == SecretStoreKind::File;
    for (const QString &check : allCheckNames()) {
        // With the file store, secret-file takes the keychain's place (either name selects it).
        const bool storeSlot = check == name(kKeychain);
        const bool wanted = m_options.checks.isEmpty() || m_options.checks.contains(check)
            || (storeSlot && m_options.checks.contains(name(kSecretFile)));
        if (wanted)
            m_plan.append(storeSlot && fileStore ? name(kSecretFile) : check);
    }
    if (m_options.keychainServiceName.isEmpty())
        m_options.keychainServiceName = m_home.keychainServiceName();

    m_keychainTimer.setSingleShot(true);
    m_overallTimer.setSingleShot(true);
    connect(&m_overallTimer, &QTimer::timeout, this, &Doctor::overallTimeoutReached);
    connect(&m_keychainTimer, &QTimer::timeout, this, [this] {
        finishKeychain(m_attempt,
                       DoctorCheck::fail(name(kKeychain),
                                         QStringLiteral("the keychain round trip (service name %1) did not finish within %2")
                                             .arg(m_options.keychainServiceName,
                                                  keychain_advice::formatSeconds(m_options.keychainTimeout)),
                                         keychain_advice::timedOut(m_options.keychainTimeout).fix));
    });
}

Doctor::~Doctor() { delete m_probe; }

void Doctor::start()
{
    if (m_started)
        return;
    m_started = true;
    m_overallTimer.start(m_options.overallTimeout);
    QTimer::singleShot(0, this, &Doctor::runNext);
}

void Doctor::record(const DoctorCheck &given)
{
    DoctorCheck check = given;
    const bool secretServiceCheck = check.name == name(kDbusSession) || check.name == name(kSecretService);
    if (secretServiceCheck && !check.ok && m_storeKind == SecretStoreKind::Keychain
        && !check.message.startsWith(QLatin1String("skipped"))) {
        check.fix += QStringLiteral("; or, ") + headlessChoice();
    }
    logger("core.doctor")->debug("{}: {}", check.name.toStdString(), check.ok ? "ok" : "failed");
    m_report.checks.append(check);
}

bool Doctor::passed(const QString &check) const
{
    const DoctorCheck *found = m_report.find(check);
    return !found || found->ok;
}

void Doctor::runNext()
{
    while (m_running.isEmpty() && m_next < m_plan.size()) {
        const QString check = m_plan.at(m_next++);
        const bool async = check == name(kSecretService) || check == name(kKeychain);
        if (async && m_outOfTime) {
            record(DoctorCheck::fail(check, QStringLiteral("skipped: the doctor ran out of time (%1)")
                                                .arg(keychain_advice::formatSeconds(m_options.overallTimeout)),
                                     QStringLiteral("fix the check that did not finish, then run `keyward doctor` again")));
        } else if (m_storeKind == SecretStoreKind::File && (check == name(kDbusSession) || check == name(kSecretService))) {
            record(DoctorCheck::pass(check, QStringLiteral("not needed: settings.secretStore is \"file\" (the encrypted "
                                                           "secrets.kwv), so the keychain is not used")));
        } else if (check == name(kSecretFile)) {
            record(secretFile(m_home));
        } else if (check == name(kDbusSession)) {
            record(sessionBus());
        } else if (check == name(kSecretService)) {
            if (!passed(name(kDbusSession))) {
                record(DoctorCheck::fail(check, QStringLiteral("skipped: no D-Bus session"),
                                         QStringLiteral("fix the dbus-session check first")));
            } else {
                runSecretService();
            }
        } else if (check == name(kKeychain)) {
            QString failedBefore;
            for (const char *before : {kDbusSession, kSecretService}) {
                if (failedBefore.isEmpty() && !passed(name(before)))
                    failedBefore = name(before);
            }
            if (!failedBefore.isEmpty()) {
                record(DoctorCheck::fail(check,
                                         QStringLiteral("skipped (service name %1): the %2 check failed")
                                             .arg(m_options.keychainServiceName, failedBefore),
                                         QStringLiteral("fix the %1 check first").arg(failedBefore)));
            } else {
                runKeychain();
            }
        } else if (check == name(kHome)) {
            record(home(m_home));
        } else if (check == name(kConfig)) {
            record(config(m_home));
        } else if (check == name(kAudit)) {
            record(audit(m_home));
        } else if (check == name(kOwner)) {
            record(owner(m_home));
        } else if (check == name(kTrayHost)) {
            record(trayHost(m_options.dbusCallTimeout));
        } else if (check == name(kNotifications)) {
            record(notificationService(m_options.dbusCallTimeout));
        }
    }
    if (m_running.isEmpty() && m_next >= m_plan.size())
        finish();
}

void Doctor::runSecretService()
{
    m_running = name(kSecretService);
    const int attempt = ++m_attempt;
    m_probe = startSecretService(m_options.dbusCallTimeout, [self = QPointer<Doctor>(this), attempt](DoctorCheck check) {
        if (!self || self->m_attempt != attempt || self->m_running != name(kSecretService))
            return;
        self->m_running.clear();
        self->record(check);
        self->m_probe->deleteLater();
        self->runNext();
    });
}

void Doctor::runKeychain()
{
    m_running = name(kKeychain);
    const int attempt = ++m_attempt;
    m_keychainTimer.start(m_options.keychainTimeout);

    const QString service = m_options.keychainServiceName;
    const QByteArray probe = randomProbeValue();
    const QPointer<Doctor> self(this);
    // Each step checks that this attempt is still the current one: answers that arrive after the
    // timeout, or after the Doctor is gone, are dropped.
    auto current = [self, attempt] { return self && self->m_attempt == attempt && self->m_running == name(kKeychain); };
    auto failure = [service](const QString &step, const Error &error) {
        return DoctorCheck::fail(name(kKeychain),
                                 QStringLiteral("%1 the keychain (service name %2) failed: %3").arg(step, service, error.message),
                                 fixFrom(error));
    };

    m_store.write(kProbeKey, probe, [this, current, failure, probe, service, attempt](Result<void> written) {
        if (!current())
            return;
        if (!written) {
            finishKeychain(attempt, failure(QStringLiteral("writing a probe entry to"), written.error()));
            return;
        }
        m_store.read(kProbeKey, [this, current, failure, probe, service, attempt](Result<QByteArray> read) {
            if (!current())
                return;
            std::optional<DoctorCheck> problem;
            if (!read) {
                problem = failure(QStringLiteral("reading the probe entry back from"), read.error());
            } else if (read.value() != probe) {
                problem = DoctorCheck::fail(
                    name(kKeychain),
                    QStringLiteral("the keychain (service name %1) returned a different value than was written (%2 "
                                   "bytes written, %3 bytes read)")
                        .arg(service)
                        .arg(probe.size())
                        .arg(read.value().size()),
                    QStringLiteral("the keychain backend does not keep secrets faithfully: use gnome-keyring, KWallet or "
                                   "KeePassXC as the Secret Service provider"));
            }
            // Clean up after a failed read or a mismatch too, then report the first problem.
            m_store.remove(kProbeKey, [this, current, failure, problem, service, attempt](Result<void> removed) {
                if (!current())
                    return;
                if (problem) {
                    finishKeychain(attempt, *problem);
                } else if (!removed) {
                    finishKeychain(attempt, failure(QStringLiteral("removing the probe entry from"), removed.error()));
                } else {
                    finishKeychain(attempt, DoctorCheck::pass(name(kKeychain),
                                                              QStringLiteral("wrote, read back and removed a probe entry "
                                                                             "in the keychain (service name %1)")
                                                                  .arg(service)));
                }
            });
        });
    });
}

void Doctor::finishKeychain(int attempt, const DoctorCheck &check)
{
    if (attempt != m_attempt || m_running != name(kKeychain))
        return;
    m_keychainTimer.stop();
    m_running.clear();
    ++m_attempt; // later answers of this attempt are stale now
    record(check);
    runNext();
}

void Doctor::overallTimeoutReached()
{
    if (m_finished)
        return;
    m_outOfTime = true;
    const QString running = std::exchange(m_running, QString());
    ++m_attempt;
    m_keychainTimer.stop();
    delete m_probe;
    if (!running.isEmpty()) {
        record(DoctorCheck::fail(running,
                                 QStringLiteral("did not finish within the doctor's time limit (%1)")
                                     .arg(keychain_advice::formatSeconds(m_options.overallTimeout)),
                                 running == name(kKeychain) ? keychain_advice::timedOut(m_options.overallTimeout).fix
                                                            : QStringLiteral("the Secret Service does not answer: "
                                                                             "restart it, or log out and in again")));
    }
    runNext();
}

void Doctor::finish()
{
    if (m_finished)
        return;
    m_overallTimer.stop();
    m_keychainTimer.stop();
    m_finished = true;
    // Always from the event loop, never inside start() (runNext() runs from a queued call), but
    // queue anyway so a receiver may delete the Doctor.
    QMetaObject::invokeMethod(this, &Doctor::finished, Qt::QueuedConnection);
}

} // namespace keyward
