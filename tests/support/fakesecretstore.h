#pragma once

#include "secrets/secretstore.h"

#include <QByteArrayList>
#include <QFlags>
#include <QMap>
#include <QObject>
#include <QStringList>

#include <functional>
#include <optional>

namespace keyward {

// An in-memory SecretStore for tests. Keeps the SecretStore contract (every callback exactly
// once, queued to the event loop, never inside the call) unless told to hang, and can be told to
// fail or hang on chosen operations, to return a tampered value on read, and to report what was
// asked of it.
class FakeSecretStore : public QObject, public SecretStore {
    Q_OBJECT
public:
    enum Operation { Read = 0x1, Write = 0x2, Remove = 0x4 };
    Q_DECLARE_FLAGS(Operations, Operation)
    static constexpr Operations kAllOperations{Read | Write | Remove};

    explicit FakeSecretStore(QObject *parent = nullptr);

    void read(const QString &key, ReadCallback done) override;
    void write(const QString &key, const QByteArray &secret, DoneCallback done) override;
    void remove(const QString &key, DoneCallback done) override;

    // The next calls of the operations in `on` fail with `error` (queued), until behaveNormally().
    void failWith(const Error &error, Operations on = kAllOperations);
    // The next calls of the operations in `on` never call back (a keychain stuck on a prompt
    // nobody answers), until behaveNormally() or releaseHungCalls().
    void hangOn(Operations on = kAllOperations);
    // Reads return `value` instead of what is stored (a keychain that corrupts entries).
    void tamperReads(const QByteArray &value);
    void behaveNormally();
    // Completes every hung call now, as the store would behave normally (queued).
    void releaseHungCalls();

    bool contains(const QString &key) const { return m_entries.contains(key); }
    QStringList keys() const { return m_entries.keys(); }
    // What was asked of the store, in order: "read KEY", "write KEY", "remove KEY".
    QStringList calls() const { return m_calls; }
    // Every value ever written under `key`, in order (to check that no output leaks one).
    QByteArrayList writtenValues(const QString &key) const { return m_written.value(key); }
    int hungCallCount() const { return int(m_hung.size()); }

private:
    // Runs `complete` from the event loop, or parks it when `operation` hangs.
    void dispatch(Operation operation, std::function<void()> complete, std::function<void(Error)> fail);

    QMap<QString, QByteArray> m_entries;
    QMap<QString, QByteArrayList> m_written;
    QStringList m_calls;
    std::optional<Error> m_failure;
    Operations m_failOn;
    Operations m_hangOn;
    std::optional<QByteArray> m_tamperedRead;
    QList<std::function<void()>> m_hung;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(FakeSecretStore::Operations)

} // namespace keyward
