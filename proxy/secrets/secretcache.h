#pragma once

#include "secrets/secretstore.h"

#include <QDateTime>
#include <QObject>
#include <QTimer>

#include <functional>
#include <map>
#include <vector>

namespace keyward {

// The owner's in-memory cache in front of a SecretStore (DESIGN.md "Files"): a secret is read from
// the store on first use and kept in locked memory (mlock where the OS allows), zeroed when
// dropped. Entries are dropped by drop()/dropAll() (kill, rotate, remove) and after `idleTimeout`
// without use. Concurrent reads of one key while the store is answering share one store call.
class SecretCache : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultIdleTimeoutMs = 15 * 60 * 1000;

    explicit SecretCache(SecretStore &store, int idleTimeoutMs = kDefaultIdleTimeoutMs, QObject *parent = nullptr);
    ~SecretCache() override;

    // Same contract as SecretStore::read: `done` runs once, from the event loop.
    void read(const QString &key, SecretStore::ReadCallback done);
    void drop(const QString &key);
    void dropAll();

    int size() const { return int(m_entries.size()); }

private:
    struct Entry {
        QByteArray secret;
        qint64 lastUsedMs = 0;
    };
    void sweep();
    static void wipe(QByteArray &secret);

    SecretStore &m_store;
    int m_idleTimeoutMs;
    QTimer m_sweeper;
    std::map<QString, Entry> m_entries;
    std::map<QString, std::vector<SecretStore::ReadCallback>> m_waiting;
    // Bumped by drop/dropAll so a store answer that arrives after a drop is not cached.
    std::map<QString, quint64> m_generation;
};

} // namespace keyward
