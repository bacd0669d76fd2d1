#include "support/fakesecretstore.h"

#include <QTimer>

namespace keyward {

FakeSecretStore::FakeSecretStore(QObject *parent) : QObject(parent) {}

void FakeSecretStore::dispatch(Operation operation, std::function<void()> complete,
                               std::function<void(Error)> fail)
{
    if (m_hangOn.testFlag(operation)) {
        m_hung.append(std::move(complete));
        return;
    }
    if (m_failure && m_failOn.testFlag(operation)) {
        QTimer::singleShot(0, this, [fail = std::move(fail), error = *m_failure] { fail(error); });
        return;
    }
    QTimer::singleShot(0, this, std::move(complete));
}

void FakeSecretStore::read(const QString &key, ReadCallback done)
{
    m_calls.append(QStringLiteral("read ") + key);
    dispatch(
        Read,
        [this, key, done] {
            if (m_tamperedRead) {
                done(*m_tamperedRead);
                return;
            }
            const auto found = m_entries.constFind(key);
            if (found == m_entries.cend()) {
                done(Error{QString::fromLatin1(secret_errors::kNotFound),
                           QStringLiteral("the fake store has no entry for %1: write it first").arg(key)});
                return;
            }
            done(*found);
        },
        done);
}

void FakeSecretStore::write(const QString &key, const QByteArray &secret, DoneCallback done)
{
    m_calls.append(QStringLiteral("write ") + key);
    m_written[key].append(secret);
    dispatch(
        Write,
        [this, key, secret, done] {
            m_entries.insert(key, secret);
            done({});
        },
        done);
}

void FakeSecretStore::remove(const QString &key, DoneCallback done)
{
    m_calls.append(QStringLiteral("remove ") + key);
    dispatch(
        Remove,
        [this, key, done] {
            m_entries.remove(key);
            done({});
        },
        done);
}

void FakeSecretStore::failWith(const Error &error, Operations on)
{
    m_failure = error;
    m_failOn = on;
}

void FakeSecretStore::hangOn(Operations on) { m_hangOn = on; }

void FakeSecretStore::tamperReads(const QByteArray &value) { m_tamperedRead = value; }

void FakeSecretStore::behaveNormally()
{
    m_failure.reset();
    m_failOn = {};
    m_hangOn = {};
    m_tamperedRead.reset();
}

void FakeSecretStore::releaseHungCalls()
{
    const auto hung = std::exchange(m_hung, {});
    for (const auto &complete : hung)
        QTimer::singleShot(0, this, complete);
}

} // namespace keyward
