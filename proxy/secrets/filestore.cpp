#include "secrets/filestore.h"

#include "core/logging.h"

#include <sodium.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QSaveFile>

#include <cstring>
#include <map>
#include <optional>
#include <utility>

namespace keyward {

namespace {

constexpr char kMagic[8] = {'K', 'W', 'V', 'A', 'U', 'L', 'T', '\0'};
constexpr quint16 kFormatVersion = 1;
constexpr quint8 kKdfArgon2id13 = 1;
constexpr qsizetype kSaltBytes = crypto_pwhash_SALTBYTES;          // 16
constexpr qsizetype kCheckBytes = 32;
constexpr qsizetype kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES; // 24
constexpr qsizetype kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;    // 32
constexpr qsizetype kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;      // 16
// magic, version, kdf, reserved, opslimit, memlimit, salt, key check: fixed for one file.
constexpr qsizetype kFixedHeaderBytes = 8 + 2 + 1 + 1 + 8 + 8 + kSaltBytes + kCheckBytes; // 76
constexpr qsizetype kHeaderBytes = kFixedHeaderBytes + kNonceBytes;                          // 100
constexpr qsizetype kSaltOffset = 28;
constexpr qsizetype kCheckOffset = kSaltOffset + kSaltBytes;
constexpr qsizetype kMaxKeyBytes = 0xffff;
// Argon2id costs accepted from a file's header: libsodium's minimum up to its SENSITIVE limits
// (a tampered header must not make unlock() allocate without bound).
constexpr quint64 kMaxOpsLimit = 16;
constexpr quint64 kMaxMemLimit = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "kwvault1";
constexpr char kCheckLabel[] = "keyward secrets.kwv key check v1";

void ensureSodium()
{
    if (sodium_init() < 0)
        qFatal("libsodium could not be initialized");
}

// Bytes in sodium_malloc'd memory (guard pages, mlock'd where allowed), zeroed when freed.
class SecureBytes {
public:
    SecureBytes() = default;
    explicit SecureBytes(qsizetype size) : m_size(size)
    {
        if (size > 0) {
            m_data = static_cast<unsigned char *>(sodium_malloc(size_t(size)));
            if (!m_data)
                qFatal("out of memory for secrets");
        }
    }
    SecureBytes(const char *bytes, qsizetype size) : SecureBytes(size)
    {
        if (size > 0)
            std::memcpy(m_data, bytes, size_t(size));
    }
    SecureBytes(SecureBytes &&other) noexcept
        : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0))
    {
    }
    SecureBytes &operator=(SecureBytes &&other) noexcept
    {
        if (this != &other) {
            release();
            m_data = std::exchange(other.m_data, nullptr);
            m_size = std::exchange(other.m_size, 0);
        }
        return *this;
    }
    SecureBytes(const SecureBytes &) = delete;
    SecureBytes &operator=(const SecureBytes &) = delete;
    ~SecureBytes() { release(); }

    unsigned char *data() { return m_data; }
    const unsigned char *data() const { return m_data; }
    qsizetype size() const { return m_size; }
    QByteArray toByteArray() const { return QByteArray(reinterpret_cast<const char *>(m_data), m_size); }

private:
    void release()
    {
        if (m_data)
            sodium_free(m_data); // zeroes before freeing
        m_data = nullptr;
        m_size = 0;
    }

    unsigned char *m_data = nullptr;
    qsizetype m_size = 0;
};

void putBigEndian(QByteArray &out, quint64 value, int bytes)
{
    for (int i = bytes - 1; i >= 0; --i)
        out.append(char((value >> (8 * i)) & 0xff));
}

quint64 getBigEndian(const unsigned char *in, int bytes)
{
    quint64 value = 0;
    for (int i = 0; i < bytes; ++i)
        value = (value << 8) | in[i];
    return value;
}

Error storeError(const QString &message) { return {QString::fromLatin1(secret_errors::kKeychain), message}; }

QString named(const QString &path) { return QStringLiteral("secrets.kwv (%1)").arg(path); }

Error damaged(const QString &path, const QString &what)
{
    return storeError(QStringLiteral("%1 %2: restore it from a backup, or move it aside and store the services' "
                                     "secrets again")
                          .arg(named(path), what));
}

// The parts of a file's header.
struct Header {
    quint64 opsLimit = 0;
    quint64 memLimit = 0;
    QByteArray fixed; // the first kFixedHeaderBytes: identical for every write of one file
    QByteArray nonce;
};

Result<Header> parseHeader(const QString &path, const QByteArray &file)
{
    if (file.size() < 8 || std::memcmp(file.constData(), kMagic, sizeof kMagic) != 0)
        return damaged(path, QStringLiteral("is not a Keyward secrets file (its first bytes are wrong)"));
    if (file.size() < kHeaderBytes + kTagBytes)
        return damaged(path, QStringLiteral("is truncated (%1 bytes)").arg(file.size()));
    const auto *bytes = reinterpret_cast<const unsigned char *>(file.constData());
    const quint64 version = getBigEndian(bytes + 8, 2);
    if (version != kFormatVersion) {
        return storeError(QStringLiteral("%1 has format version %2, but this Keyward reads version %3: upgrade Keyward, "
                                         "or restore the file from a backup")
                              .arg(named(path))
                              .arg(version)
                              .arg(kFormatVersion));
    }
    if (bytes[10] != kKdfArgon2id13 || bytes[11] != 0)
        return damaged(path, QStringLiteral("names an unknown key derivation (its header is damaged)"));
    Header header;
    header.opsLimit = getBigEndian(bytes + 12, 8);
    header.memLimit = getBigEndian(bytes + 20, 8);
    if (header.opsLimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || header.opsLimit > kMaxOpsLimit
        || header.memLimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || header.memLimit > kMaxMemLimit) {
        return damaged(path, QStringLiteral("has key derivation costs out of range (its header is damaged)"));
    }
    header.fixed = file.left(kFixedHeaderBytes);
    header.nonce = file.mid(kFixedHeaderBytes, kNonceBytes);
    return header;
}

// The encryption key and the key check of a passphrase and salt.
struct DerivedKey {
    SecureBytes key{kKeyBytes};
    QByteArray check;
};

Result<DerivedKey> deriveKey(const QString &path, const QByteArray &passphrase, const unsigned char *salt,
                             quint64 opsLimit, quint64 memLimit)
{
    SecureBytes master(crypto_kdf_KEYBYTES);
    if (crypto_pwhash(master.data(), size_t(master.size()), passphrase.constData(), size_t(passphrase.size()), salt,
                      opsLimit, size_t(memLimit), crypto_pwhash_ALG_ARGON2ID13)
        != 0) {
        return storeError(QStringLiteral("deriving the key of %1 needs %2 MiB of memory, which could not be allocated: "
                                         "free some memory and try again")
                              .arg(named(path))
                              .arg(memLimit / (1024 * 1024)));
    }
    DerivedKey derived;
    SecureBytes checkKey(32);
    crypto_kdf_derive_from_key(derived.key.data(), size_t(kKeyBytes), 1, kKdfContext, master.data());
    crypto_kdf_derive_from_key(checkKey.data(), size_t(checkKey.size()), 2, kKdfContext, master.data());
    derived.check.resize(kCheckBytes);
    crypto_generichash(reinterpret_cast<unsigned char *>(derived.check.data()), size_t(kCheckBytes),
                       reinterpret_cast<const unsigned char *>(kCheckLabel), sizeof kCheckLabel - 1, checkKey.data(),
                       size_t(checkKey.size()));
    return derived;
}

using Entries = std::map<QString, SecureBytes>;

// Decrypts the ciphertext after `header` with `key` and parses the map.
Result<Entries> decryptEntries(const QString &path, const QByteArray &file, const Header &header, const SecureBytes &key)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(file.constData());
    const qsizetype cipherBytes = file.size() - kHeaderBytes;
    SecureBytes plain(cipherBytes - kTagBytes);
    unsigned long long plainBytes = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &plainBytes, nullptr, bytes + kHeaderBytes,
                                                   (unsigned long long)cipherBytes, bytes, kHeaderBytes,
                                                   reinterpret_cast<const unsigned char *>(header.nonce.constData()),
                                                   key.data())
        != 0) {
        return damaged(path, QStringLiteral("is damaged or was tampered with (its authentication failed)"));
    }

    Entries entries;
    const unsigned char *p = plain.data();
    const unsigned char *end = p + plainBytes;
    auto take = [&p, end](qsizetype n) -> const unsigned char * {
        if (end - p < n)
            return nullptr;
        const unsigned char *at = p;
        p += n;
        return at;
    };
    const auto malformed = [&path] { return damaged(path, QStringLiteral("holds malformed contents")); };
    const unsigned char *count = take(4);
    if (!count)
        return malformed();
    for (quint64 i = 0, n = getBigEndian(count, 4); i < n; ++i) {
        const unsigned char *keyLength = take(2);
        if (!keyLength)
            return malformed();
        const qsizetype keyBytes = qsizetype(getBigEndian(keyLength, 2));
        const unsigned char *keyText = take(keyBytes);
        const unsigned char *valueLength = keyText ? take(4) : nullptr;
        if (!valueLength)
            return malformed();
        const qsizetype valueBytes = qsizetype(getBigEndian(valueLength, 4));
        const unsigned char *value = take(valueBytes);
        if (!value)
            return malformed();
        entries[QString::fromUtf8(reinterpret_cast<const char *>(keyText), keyBytes)] =
            SecureBytes(reinterpret_cast<const char *>(value), valueBytes);
    }
    if (p != end)
        return malformed();
    return Entries(std::move(entries));
}

} // namespace

struct FileStore::State {
    SecureBytes key{kKeyBytes};
    QByteArray fixedHeader;            // what every write of this store's file starts with
    std::optional<QByteArray> lastNonce; // the nonce of the file as last seen; nullopt = no file seen
    Entries entries;
};

FileStore::KdfParams FileStore::KdfParams::moderate()
{
    return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}

FileStore::KdfParams FileStore::KdfParams::interactive()
{
    return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

FileStore::KdfParams FileStore::KdfParams::minimum()
{
    return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

QString FileStore::fileName() { return QStringLiteral("secrets.kwv"); }

QString FileStore::pathIn(const KeywardHome &home) { return QDir(home.dataDir()).filePath(fileName()); }

QString FileStore::lockedMessage() { return QStringLiteral("store locked: run keyward unlock"); }

FileStore::FileStore(const QString &path, KdfParams newStoreParams, QObject *parent)
    : QObject(parent), m_path(QFileInfo(path).absoluteFilePath()), m_newStoreParams(newStoreParams)
{
    ensureSodium();
}

FileStore::~FileStore() = default;

bool FileStore::exists() const { return QFileInfo(m_path).isFile(); }

bool FileStore::isUnlocked() const { return m_state != nullptr; }

qsizetype FileStore::entryCount() const { return m_state ? qsizetype(m_state->entries.size()) : 0; }

void FileStore::lock() { m_state.reset(); }

namespace {

// Reads the whole file; nullopt when it does not exist.
Result<std::optional<QByteArray>> readFile(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return std::optional<QByteArray>();
    if (!file.open(QIODevice::ReadOnly)) {
        return storeError(QStringLiteral("cannot read %1 (%2): check that it is yours (chmod 600)")
                              .arg(named(path), file.errorString()));
    }
    if (file.size() > FileStore::kMaxFileBytes)
        return damaged(path, QStringLiteral("is larger than %1 MiB").arg(FileStore::kMaxFileBytes / (1024 * 1024)));
    return std::optional<QByteArray>(file.readAll());
}

} // namespace

Result<void> FileStore::checkHeader(const QString &path)
{
    auto file = readFile(path);
    if (!file)
        return file.error();
    if (!file->has_value())
        return storeError(QStringLiteral("%1 does not exist").arg(named(path)));
    auto header = parseHeader(path, **file);
    if (!header)
        return header.error();
    return {};
}

Result<void> FileStore::unlock(const QByteArray &passphrase)
{
    lock();
    if (passphrase.isEmpty())
        return storeError(QStringLiteral("the passphrase for %1 is empty: type it, or put it in the file that "
                                         "KEYWARD_PASSPHRASE_FILE names")
                              .arg(named(m_path)));
    auto file = readFile(m_path);
    if (!file)
        return file.error();

    auto state = std::make_unique<State>();
    if (!file->has_value()) {
        if (passphrase.size() < kMinNewPassphraseBytes) {
            return storeError(QStringLiteral("the passphrase for the new %1 is shorter than %2 bytes: choose a longer one")
                                  .arg(named(m_path))
                                  .arg(kMinNewPassphraseBytes));
        }
        QByteArray salt(kSaltBytes, Qt::Uninitialized);
        randombytes_buf(salt.data(), size_t(salt.size()));
        auto derived = deriveKey(m_path, passphrase, reinterpret_cast<const unsigned char *>(salt.constData()),
                                 m_newStoreParams.opsLimit, m_newStoreParams.memLimitBytes);
        if (!derived)
            return derived.error();
        QByteArray &fixed = state->fixedHeader;
        fixed.append(kMagic, sizeof kMagic);
        putBigEndian(fixed, kFormatVersion, 2);
        fixed.append(char(kKdfArgon2id13));
        fixed.append(char(0));
        putBigEndian(fixed, m_newStoreParams.opsLimit, 8);
        putBigEndian(fixed, m_newStoreParams.memLimitBytes, 8);
        fixed.append(salt);
        fixed.append(derived->check);
        state->key = std::move(derived.value().key);
        m_state = std::move(state);
        logger("core.secrets")->info("{}: new store, written on the first secret", m_path.toStdString());
        return {};
    }

    const QByteArray &bytes = **file;
    auto header = parseHeader(m_path, bytes);
    if (!header)
        return header.error();
    auto derived = deriveKey(m_path, passphrase, reinterpret_cast<const unsigned char *>(bytes.constData()) + kSaltOffset,
                             header->opsLimit, header->memLimit);
    if (!derived)
        return derived.error();
    if (sodium_memcmp(derived->check.constData(), bytes.constData() + kCheckOffset, size_t(kCheckBytes)) != 0) {
        return storeError(QStringLiteral("wrong passphrase for %1: type it again (or correct the file "
                                         "KEYWARD_PASSPHRASE_FILE names); if you are sure it is right, the file's "
                                         "header was altered: restore secrets.kwv from a backup")
                              .arg(named(m_path)));
    }
    auto entries = decryptEntries(m_path, bytes, *header, derived->key);
    if (!entries)
        return entries.error();
    state->key = std::move(derived.value().key);
    state->fixedHeader = header->fixed;
    state->lastNonce = header->nonce;
    state->entries = std::move(entries).value();
    m_state = std::move(state);
    logger("core.secrets")->info("{}: unlocked ({} entries)", m_path.toStdString(), m_state->entries.size());
    return {};
}

// Brings the entries in line with the file on disk when another writer changed it.
Result<void> FileStore::refresh()
{
    auto file = readFile(m_path);
    if (!file)
        return file.error();
    if (!file->has_value()) {
        // Removed (keyward reset) since it was seen: nothing is stored any more.
        if (m_state->lastNonce)
            m_state->entries.clear();
        m_state->lastNonce.reset();
        return {};
    }
    const QByteArray &bytes = **file;
    auto header = parseHeader(m_path, bytes);
    if (!header)
        return header.error();
    if (m_state->lastNonce && header->nonce == *m_state->lastNonce && header->fixed == m_state->fixedHeader)
        return {};
    if (header->fixed != m_state->fixedHeader) {
        return storeError(QStringLiteral("%1 was replaced by another process (a different passphrase or salt): "
                                         "unlock it again (run keyward unlock, or restart the command)")
                              .arg(named(m_path)));
    }
    auto entries = decryptEntries(m_path, bytes, *header, m_state->key);
    if (!entries)
        return entries.error();
    m_state->entries = std::move(entries).value();
    m_state->lastNonce = header->nonce;
    return {};
}

// One write (`secret` set) or remove (`secret` null) under the file's lock.
Result<void> FileStore::change(const QString &key, const QByteArray *secret)
{
    const QByteArray keyBytes = key.toUtf8();
    if (keyBytes.isEmpty() || keyBytes.size() > kMaxKeyBytes)
        return storeError(QStringLiteral("the key of a secret must be 1 to %1 bytes long").arg(kMaxKeyBytes));

    const QString dir = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(dir))
        return storeError(QStringLiteral("cannot create the directory %1; check the permissions of its parent").arg(dir));
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    QLockFile fileLock(m_path + QStringLiteral(".lock"));
    fileLock.setStaleLockTime(0); // only a lock of a dead process is stale
    if (!fileLock.tryLock(m_lockTimeoutMs)) {
        qint64 pid = 0;
        QString host;
        QString app;
        fileLock.getLockInfo(&pid, &host, &app);
        return storeError(QStringLiteral("%1 is being written by another process (pid %2, lock %3.lock): wait for it "
                                         "to finish and try again")
                              .arg(named(m_path))
                              .arg(pid)
                              .arg(m_path));
    }
    if (auto refreshed = refresh(); !refreshed)
        return refreshed;

    if (!secret && !m_state->entries.count(key))
        return {}; // removing what is not there changes nothing

    // The entries as they will be after the change, serialized into guarded memory.
    qsizetype plainBytes = 4;
    for (const auto &[name, value] : m_state->entries) {
        if (name != key)
            plainBytes += 2 + name.toUtf8().size() + 4 + value.size();
    }
    if (secret)
        plainBytes += 2 + keyBytes.size() + 4 + secret->size();
    if (plainBytes + kHeaderBytes + kTagBytes > kMaxFileBytes)
        return storeError(QStringLiteral("%1 would grow beyond %2 MiB: remove secrets you no longer need")
                              .arg(named(m_path))
                              .arg(kMaxFileBytes / (1024 * 1024)));
    SecureBytes plain(plainBytes);
    unsigned char *p = plain.data();
    auto put = [&p](quint64 value, int bytes) {
        for (int i = bytes - 1; i >= 0; --i)
            *p++ = (unsigned char)((value >> (8 * i)) & 0xff);
    };
    auto putBytes = [&p](const void *bytes, qsizetype size) {
        if (size > 0)
            std::memcpy(p, bytes, size_t(size));
        p += size;
    };
    const quint64 count = m_state->entries.size() + (secret && !m_state->entries.count(key) ? 1 : 0)
        - (!secret ? 1 : 0);
    put(count, 4);
    bool placed = secret == nullptr;
    for (const auto &[name, value] : m_state->entries) {
        if (!placed && key < name) {
            put(quint64(keyBytes.size()), 2);
            putBytes(keyBytes.constData(), keyBytes.size());
            put(quint64(secret->size()), 4);
            putBytes(secret->constData(), secret->size());
            placed = true;
        }
        if (name == key)
            continue;
        const QByteArray nameBytes = name.toUtf8();
        put(quint64(nameBytes.size()), 2);
        putBytes(nameBytes.constData(), nameBytes.size());
        put(quint64(value.size()), 4);
        putBytes(value.data(), value.size());
    }
    if (!placed) {
        put(quint64(keyBytes.size()), 2);
        putBytes(keyBytes.constData(), keyBytes.size());
        put(quint64(secret->size()), 4);
        putBytes(secret->constData(), secret->size());
    }
    Q_ASSERT(p == plain.data() + plain.size());

    QByteArray file = m_state->fixedHeader;
    QByteArray nonce(kNonceBytes, Qt::Uninitialized);
    randombytes_buf(nonce.data(), size_t(nonce.size()));
    file.append(nonce);
    const qsizetype headerBytes = file.size();
    file.resize(headerBytes + plain.size() + kTagBytes);
    unsigned long long cipherBytes = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char *>(file.data()) + headerBytes,
                                               &cipherBytes, plain.data(), (unsigned long long)plain.size(),
                                               reinterpret_cast<const unsigned char *>(file.constData()),
                                               (unsigned long long)headerBytes, nullptr,
                                               reinterpret_cast<const unsigned char *>(nonce.constData()),
                                               m_state->key.data());

    const QFile::Permissions fileMode = QFile::ReadOwner | QFile::WriteOwner;
    QSaveFile out(m_path);
    if (!out.open(QIODevice::WriteOnly))
        return storeError(QStringLiteral("cannot write %1 (%2): check the directory's permissions").arg(named(m_path), out.errorString()));
    out.setPermissions(fileMode); // the temporary file, before it holds anything
    if (out.write(file) != file.size() || !out.commit())
        return storeError(QStringLiteral("cannot write %1 (%2): check free disk space").arg(named(m_path), out.errorString()));
    QFile::setPermissions(m_path, fileMode);

    // The file now holds exactly what was serialized: apply the change in memory too.
    if (secret)
        m_state->entries[key] = SecureBytes(secret->constData(), secret->size());
    else
        m_state->entries.erase(key);
    m_state->lastNonce = nonce;
    logger("core.secrets")->info("{}: {} {} ({} entries)", m_path.toStdString(), secret ? "wrote" : "removed",
                                 key.toStdString(), m_state->entries.size());
    return {};
}

Result<QByteArray> FileStore::readNow(const QString &key)
{
    if (!m_state)
        return storeError(lockedMessage());
    if (auto refreshed = refresh(); !refreshed)
        return refreshed.error();
    const auto found = m_state->entries.find(key);
    if (found == m_state->entries.end()) {
        return Error{QString::fromLatin1(secret_errors::kNotFound),
                     QStringLiteral("secrets.kwv has no entry for %1: store the secret again").arg(key)};
    }
    return found->second.toByteArray();
}

Result<void> FileStore::writeNow(const QString &key, const QByteArray &secret)
{
    if (!m_state)
        return storeError(lockedMessage());
    return change(key, &secret);
}

Result<void> FileStore::removeNow(const QString &key)
{
    if (!m_state)
        return storeError(lockedMessage());
    return change(key, nullptr);
}

void FileStore::read(const QString &key, ReadCallback done)
{
    // The secret moves on to the callback; this store keeps its own copy in guarded memory only.
    auto result = std::make_shared<Result<QByteArray>>(readNow(key));
    QMetaObject::invokeMethod(this, [result, done = std::move(done)] { done(std::move(*result)); },
                              Qt::QueuedConnection);
}

void FileStore::write(const QString &key, const QByteArray &secret, DoneCallback done)
{
    QMetaObject::invokeMethod(this, [result = writeNow(key, secret), done = std::move(done)] { done(result); },
                              Qt::QueuedConnection);
}

void FileStore::remove(const QString &key, DoneCallback done)
{
    QMetaObject::invokeMethod(this, [result = removeNow(key), done = std::move(done)] { done(result); },
                              Qt::QueuedConnection);
}

} // namespace keyward
