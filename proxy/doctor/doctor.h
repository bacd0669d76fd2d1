#pragma once

#include "config/config.h"
#include "core/keywardhome.h"

#include <nlohmann/json.hpp>

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <optional>

namespace keyward {

class SecretStore;

// The outcome of one doctor check. `fix` says what to do; it is empty when the check passed.
struct DoctorCheck {
    QString name;
    bool ok = false;
    QString message;
    QString fix;

    static DoctorCheck pass(const QString &name, const QString &message) { return {name, true, message, {}}; }
    static DoctorCheck fail(const QString &name, const QString &message, const QString &fix)
    {
        return {name, false, message, fix};
    }
};

struct DoctorReport {
    QList<DoctorCheck> checks;

    // True when every check passed.
    bool ok() const;
    // The check named `name`, or nullptr.
    const DoctorCheck *find(const QString &name) const;
    // {"ok":bool,"checks":[{"name":"...","ok":bool,"message":"...","fix":"..."|null}]}, fix null when ok.
    nlohmann::json toJson() const;
};

// Checks what Keyward needs from this machine, each with a fix for its problem:
//   dbus-session    a D-Bus session bus is there (Linux; never autolaunched, which can hang)
//   secret-service  org.freedesktop.secrets answers, has a `default` keyring, and it is unlocked
//   keychain        a real write/read/remove round trip of `doctor/probe` through the SecretStore
//   home            KEYWARD_HOME (or the default dirs) is the user's own, dirs 0700, files 0600
//   config          config.json parses and follows the full schema (see configjson.h)
//   audit           audit.db, when there is one, opens read-only and its hash chain verifies
//   owner           the home's owner process answers on its socket, if one runs
//   tray-host       with a display, something shows tray icons (checks.h trayHost())
//   notifications   org.freedesktop.Notifications is on the session bus (never fails; says how
//                   alerts reach the user without it)
// With settings.secretStore "file" the keychain is not used: dbus-session and secret-service pass
// as not needed, and `secret-file` (checks.h secretFile()) takes the place of `keychain`. With the
// keychain, a failed dbus-session or secret-service check's fix ends with the headless choice
// (the encrypted file store; checks.h headlessChoice()).
// The checks run in that order. `keychain` runs only when the D-Bus checks that ran passed; it is
// reported failed as skipped otherwise. On systems without D-Bus the D-Bus checks pass as not
// applicable.
//
// Nothing hangs: each D-Bus call has `dbusCallTimeout`, the keychain round trip `keychainTimeout`,
// and the whole run `overallTimeout` (a check still running then fails; later asynchronous checks
// are skipped, the instant ones still run). Usage: start(), then finished() is emitted exactly once,
// from the event loop (never inside start()), after which report() is complete.
//
// The Doctor keeps references to `store`, which must outlive it; late answers from the store
// after a timeout or after the Doctor is gone are ignored.
class Doctor : public QObject {
    Q_OBJECT
public:
    struct Options {
        // Names of the checks to run (in the fixed order above); empty runs all of them.
        QStringList checks;
        std::chrono::milliseconds dbusCallTimeout{5000};
        std::chrono::milliseconds keychainTimeout{15000};
        std::chrono::milliseconds overallTimeout{45000};
        // Named in the keychain check's message.
        QString keychainServiceName;
        // Which SecretStore to check; nullopt reads settings.secretStore from the home's
        // config.json (the keychain when there is none or it does not load).
        std::optional<SecretStoreKind> secretStore;
    };

    static QStringList allCheckNames();

    Doctor(const KeywardHome &home, SecretStore &store, Options options, QObject *parent = nullptr);
    ~Doctor() override;

    void start();
    bool isFinished() const { return m_finished; }
    const DoctorReport &report() const { return m_report; }

Q_SIGNALS:
    void finished();

private:
    void runNext();
    void record(const DoctorCheck &check);
    bool passed(const QString &name) const;
    void runSecretService();
    void runKeychain();
    void finishKeychain(int attempt, const DoctorCheck &check);
    void overallTimeoutReached();
    void finish();

    KeywardHome m_home;
    SecretStore &m_store;
    Options m_options;
    SecretStoreKind m_storeKind = SecretStoreKind::Keychain;
    QStringList m_plan;
    qsizetype m_next = 0;
    DoctorReport m_report;
    // The asynchronous check in flight (its name; empty when none) and a counter that tells its
    // answers from late ones of an abandoned attempt.
    QString m_running;
    int m_attempt = 0;
    QPointer<QObject> m_probe;
    QTimer m_keychainTimer;
    QTimer m_overallTimer;
    bool m_outOfTime = false;
    bool m_started = false;
    bool m_finished = false;
};

} // namespace keyward
