#include "clients/clientbackups.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>

namespace keyward::clients {

namespace {

using json = nlohmann::json;

constexpr QFileDevice::Permissions kDirMode = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner;
constexpr QFileDevice::Permissions kFileMode = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

Error backupError(const QString &message) { return Error{QStringLiteral("backup_failed"), message}; }

// Text when it is valid UTF-8 (readable by a person restoring by hand), else base64.
void putBytes(json &object, const char *key, const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    if (text.toUtf8() == bytes)
        object[key] = bytes.toStdString();
    else
        object[std::string(key) + "Base64"] = bytes.toBase64().toStdString();
}

QByteArray getBytes(const json &object, const char *key)
{
    if (object.contains(key))
        return QByteArray::fromStdString(object.at(key).get<std::string>());
    const std::string base64Key = std::string(key) + "Base64";
    if (object.contains(base64Key))
        return QByteArray::fromBase64(QByteArray::fromStdString(object.at(base64Key).get<std::string>()));
    return {};
}

json toJson(const ClientBackup &backup)
{
    json object = {{"version", ClientBackup::kVersion},
                   {"client", backup.client.toStdString()},
                   {"action", backup.action.toStdString()},
                   {"path", backup.path.toStdString()},
                   {"target", backup.target.toStdString()},
                   {"created", backup.created.toStdString()},
                   {"existed", backup.existed},
                   {"originalSha256", backup.originalSha256.toStdString()},
                   {"writtenSha256", backup.writtenSha256.toStdString()},
                   {"windowPrefix", backup.windowPrefix},
                   {"windowSuffix", backup.windowSuffix},
                   {"used", backup.used.isEmpty() ? json(nullptr) : json(backup.used.toStdString())}};
    putBytes(object, "original", backup.redactedOriginal);
    putBytes(object, "window", backup.redactedWindow);
    json changes = json::array();
    for (const BackupChange &change : backup.changes) {
        json item = {{"path", change.path},
                     {"kind", change.kind == BackupChange::Kind::Added ? "added" : "changed"},
                     {"afterSha256", change.afterSha256}};
        if (change.kind == BackupChange::Kind::Changed)
            item["before"] = change.before;
        changes.push_back(item);
    }
    object["changes"] = changes;
    json secrets = json::array();
    for (const BackupSecret &secret : backup.secrets)
        secrets.push_back({{"placeholder", secret.placeholder}, {"ref", secret.ref.toStdString()}, {"stored", secret.stored}});
    object["secrets"] = secrets;
    return object;
}

ClientBackup fromJson(const json &object)
{
    ClientBackup backup;
    backup.client = QString::fromStdString(object.at("client").get<std::string>());
    backup.action = QString::fromStdString(object.at("action").get<std::string>());
    backup.path = QString::fromStdString(object.at("path").get<std::string>());
    backup.target = QString::fromStdString(object.at("target").get<std::string>());
    backup.created = QString::fromStdString(object.at("created").get<std::string>());
    backup.existed = object.at("existed").get<bool>();
    backup.originalSha256 = QString::fromStdString(object.at("originalSha256").get<std::string>());
    backup.writtenSha256 = QString::fromStdString(object.at("writtenSha256").get<std::string>());
    backup.windowPrefix = object.at("windowPrefix").get<qsizetype>();
    backup.windowSuffix = object.at("windowSuffix").get<qsizetype>();
    backup.redactedOriginal = getBytes(object, "original");
    backup.redactedWindow = getBytes(object, "window");
    if (object.at("used").is_string())
        backup.used = QString::fromStdString(object.at("used").get<std::string>());
    for (const json &item : object.at("changes")) {
        BackupChange change;
        change.path = item.at("path").get<KeyPath>();
        change.kind = item.at("kind").get<std::string>() == "added" ? BackupChange::Kind::Added : BackupChange::Kind::Changed;
        change.afterSha256 = item.at("afterSha256").get<std::string>();
        if (item.contains("before"))
            change.before = item.at("before");
        backup.changes.push_back(change);
    }
    for (const json &item : object.at("secrets")) {
        backup.secrets.push_back({item.at("placeholder").get<std::string>(),
                                  QString::fromStdString(item.at("ref").get<std::string>()), item.at("stored").get<bool>()});
    }
    return backup;
}

Result<void> writeFile(const QString &path, const json &object)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return backupError(QStringLiteral("cannot write the backup %1: %2").arg(path, file.errorString()));
    file.setPermissions(kFileMode);
    const std::string text = object.dump(2) + "\n";
    file.write(text.data(), qint64(text.size()));
    if (!file.commit())
        return backupError(QStringLiteral("cannot write the backup %1: %2").arg(path, file.errorString()));
    QFile::setPermissions(path, kFileMode);
    return {};
}

} // namespace

std::string placeholderFor(const QString &ref) { return "@@keyward-ref:" + ref.toStdString() + "@@"; }

QByteArray redactSecrets(const QByteArray &bytes, const std::vector<SecretPlaceholder> &secrets)
{
    std::vector<SecretPlaceholder> ordered = secrets;
    // Longest first, so a secret that contains another is replaced whole.
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const SecretPlaceholder &a, const SecretPlaceholder &b) { return a.secret.size() > b.secret.size(); });
    QByteArray out = bytes;
    for (const SecretPlaceholder &item : ordered) {
        if (item.secret.empty())
            continue;
        const QByteArray raw = QByteArray::fromStdString(item.secret);
        const std::string dumped = json(item.secret).dump();
        const QByteArray escaped = QByteArray::fromStdString(dumped.substr(1, dumped.size() - 2));
        const QByteArray placeholder = QByteArray::fromStdString(item.placeholder);
        out.replace(raw, placeholder);
        if (escaped != raw)
            out.replace(escaped, placeholder);
    }
    return out;
}

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

BackupStore::BackupStore(const KeywardHome &home) : m_root(QDir(home.dataDir()).filePath(QStringLiteral("backups"))) {}

QString BackupStore::directory(const QString &client) const { return QDir(m_root).filePath(client); }

Result<void> BackupStore::save(ClientBackup &backup) const
{
    const QString dir = directory(backup.client);
    if (!QDir().mkpath(dir))
        return backupError(QStringLiteral("cannot create the backup directory %1").arg(dir));
    for (const QString &each : {QFileInfo(m_root).absolutePath(), m_root, dir})
        QFile::setPermissions(each, kDirMode);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (backup.created.isEmpty())
        backup.created = now.toString(Qt::ISODateWithMs);
    const QString stamp = now.toString(QStringLiteral("yyyyMMdd'T'HHmmss.zzz'Z'"));
    QString path = QDir(dir).filePath(stamp + QStringLiteral(".json"));
    for (int n = 1; QFileInfo::exists(path); ++n)
        path = QDir(dir).filePath(QStringLiteral("%1-%2.json").arg(stamp).arg(n));
    if (auto written = writeFile(path, toJson(backup)); !written)
        return written;
    backup.file = path;
    return {};
}

Result<std::vector<ClientBackup>> BackupStore::list(const QString &client) const
{
    std::vector<ClientBackup> out;
    QDir dir(directory(client));
    const QStringList names = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name | QDir::Reversed);
    for (const QString &name : names) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            return backupError(QStringLiteral("cannot read the backup %1").arg(file.fileName()));
        const json object = json::parse(file.readAll().toStdString(), nullptr, false);
        try {
            if (object.is_discarded())
                throw std::runtime_error("not JSON");
            ClientBackup backup = fromJson(object);
            backup.file = file.fileName();
            out.push_back(std::move(backup));
        } catch (const std::exception &) {
            return backupError(QStringLiteral("the backup %1 is damaged; move it away and try again").arg(file.fileName()));
        }
    }
    return out;
}

Result<void> BackupStore::markUsed(ClientBackup &backup) const
{
    backup.used = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    return writeFile(backup.file, toJson(backup));
}

void BackupStore::discard(const ClientBackup &backup) const
{
    if (!backup.file.isEmpty())
        QFile::remove(backup.file);
}

} // namespace keyward::clients
