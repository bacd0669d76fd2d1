#include "state/statefile.h"

#include "core/logging.h"
#include "core/names.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace keyward {

using json = nlohmann::json;

namespace {

constexpr QFile::Permissions kFileMode = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions kDirMode = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
constexpr qint64 kMaxStateBytes = 16 * 1024 * 1024;

QString fixAdvice(const QString &path)
{
    return QStringLiteral("fix the file, or remove %1 to clear every kill switch").arg(path);
}

Error invalid(const QString &path, const QString &problem)
{
    return Error{QString::fromLatin1(state_errors::kInvalid),
                 QStringLiteral("%1: %2; %3").arg(path, problem, fixAdvice(path))};
}

Error ioError(const QString &message) { return Error{QString::fromLatin1(state_errors::kIo), message}; }

// "line L, column C: <what nlohmann says>", without its "last read" part (it would quote the file).
QString syntaxProblem(const QByteArray &text, const json::parse_error &error)
{
    const qsizetype offset = qBound<qsizetype>(0, qsizetype(error.byte) - 1, text.size());
    int line = 1;
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < offset; ++i) {
        if (text.at(i) == '\n') {
            ++line;
            lineStart = i + 1;
        }
    }
    QString reason = QString::fromUtf8(error.what());
    if (const qsizetype colon = reason.indexOf(QLatin1String(": ")); colon >= 0)
        reason = reason.mid(colon + 2);
    if (const qsizetype lastRead = reason.indexOf(QLatin1String("; last read: ")); lastRead >= 0) {
        const qsizetype expected = reason.indexOf(QLatin1String("; expected "), lastRead);
        reason = reason.left(lastRead) + (expected >= 0 ? reason.mid(expected) : QString());
    }
    return QStringLiteral("line %1, column %2: %3").arg(line).arg(offset - lineStart + 1).arg(reason);
}

// The names of /kill/<field>: an array of valid names, returned sorted and without duplicates.
Result<QStringList> readNames(const json &kill, const char *field, const QString &path)
{
    const auto found = kill.find(field);
    if (found == kill.end())
        return QStringList();
    const QString pointer = QStringLiteral("/kill/") + QString::fromLatin1(field);
    if (!found->is_array())
        return invalid(path, QStringLiteral("%1 must be an array of names").arg(pointer));
    QStringList names;
    for (std::size_t i = 0; i < found->size(); ++i) {
        const json &item = (*found)[i];
        const QString name = item.is_string() ? QString::fromStdString(item.get<std::string>()) : QString();
        if (!item.is_string() || !isValidName(name)) {
            return invalid(path, QStringLiteral("%1/%2 must be a name matching [a-z0-9][a-z0-9_-]{0,63}").arg(pointer).arg(i));
        }
        names << name;
    }
    names.sort();
    names.removeDuplicates();
    return names;
}

json killToJson(const KillSwitches &kill)
{
    json services = json::array();
    for (const QString &service : kill.services)
        services.push_back(service.toStdString());
    json agents = json::array();
    for (const QString &agent : kill.agents)
        agents.push_back(agent.toStdString());
    return json{{"all", kill.all}, {"services", services}, {"agents", agents}};
}

} // namespace

Result<StateFile> parseStateFile(const QByteArray &text, const QString &path)
{
    StateFile state;
    state.exists = true;
    try {
        state.document = json::parse(text.cbegin(), text.cend());
    } catch (const json::parse_error &error) {
        return invalid(path, syntaxProblem(text, error));
    } catch (const json::exception &error) {
        return invalid(path, QString::fromUtf8(error.what()));
    }
    if (!state.document.is_object())
        return invalid(path, QStringLiteral("the document must be a JSON object ({\"version\": %1, \"kill\": {...}})").arg(kStateVersion));

    const auto version = state.document.find("version");
    if (version == state.document.end() || !version->is_number_integer() || version->get<long long>() < 1)
        return invalid(path, QStringLiteral("/version must be a whole number (this Keyward reads version %1)").arg(kStateVersion));
    if (version->get<long long>() > kStateVersion) {
        return invalid(path, QStringLiteral("it was written by a newer Keyward (version %1; this one reads version %2)")
                                 .arg(version->get<long long>())
                                 .arg(kStateVersion));
    }

    const auto kill = state.document.find("kill");
    if (kill == state.document.end())
        return state;
    if (!kill->is_object())
        return invalid(path, QStringLiteral("/kill must be an object {\"all\", \"services\", \"agents\"}"));
    for (const auto &[key, value] : kill->items()) {
        if (key != "all" && key != "services" && key != "agents") {
            return invalid(path, QStringLiteral("unknown key at %1 (allowed: all, services, agents)")
                                     .arg(QString::fromStdString((json::json_pointer("/kill") / key).to_string())));
        }
    }
    if (const auto all = kill->find("all"); all != kill->end()) {
        if (!all->is_boolean())
            return invalid(path, QStringLiteral("/kill/all must be true or false"));
        state.kill.all = all->get<bool>();
    }
    auto services = readNames(*kill, "services", path);
    if (!services)
        return services.error();
    auto agents = readNames(*kill, "agents", path);
    if (!agents)
        return agents.error();
    state.kill.services = std::move(services).value();
    state.kill.agents = std::move(agents).value();
    return state;
}

Result<StateFile> readStateFile(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return StateFile{};
    if (!file.open(QIODevice::ReadOnly))
        return ioError(QStringLiteral("%1: cannot be read (%2); check its owner and permissions").arg(path, file.errorString()));
    if (file.size() > kMaxStateBytes)
        return invalid(path, QStringLiteral("it is larger than 16 MiB"));
    return parseStateFile(file.readAll(), path);
}

Result<void> writeStateFile(const QString &path, json document, const KillSwitches &kill)
{
    if (!document.is_object())
        document = json::object();
    document["version"] = kStateVersion;
    document["kill"] = killToJson(kill);

    const QString dir = QFileInfo(path).absolutePath();
    if (!QFileInfo::exists(dir)) {
        if (!QDir().mkpath(dir))
            return ioError(QStringLiteral("cannot create the directory %1; check the permissions of its parent").arg(dir));
        QFile::setPermissions(dir, kDirMode);
    }
    const QByteArray bytes = QByteArray::fromStdString(document.dump(2, ' ', false, json::error_handler_t::replace)) + '\n';
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return ioError(QStringLiteral("cannot write %1 (%2); check the directory's permissions").arg(path, out.errorString()));
    out.setPermissions(kFileMode); // the temporary file, before it holds anything
    if (out.write(bytes) != bytes.size() || !out.commit())
        return ioError(QStringLiteral("cannot write %1 (%2); check free disk space").arg(path, out.errorString()));
    QFile::setPermissions(path, kFileMode);
    return {};
}

Result<KillChange> changeKillSwitches(const QString &path, KillAction action, const KillTarget &target)
{
    const auto log = logger("core.state");
    auto read = readStateFile(path);
    StateFile state;
    KillChange change;
    if (read) {
        state = std::move(read).value();
    } else if (read.error().code == QLatin1String(state_errors::kInvalid) && action == KillAction::Kill &&
               target.kind == KillTarget::Kind::All) {
        // Stopping everything cannot widen access, whatever the unreadable file said.
        const QString aside = path + QStringLiteral(".corrupt");
        QFile::remove(aside);
        if (!QFile::rename(path, aside))
            return ioError(QStringLiteral("%1 is unreadable and cannot be moved aside to %2; remove it and try again").arg(path, aside));
        log->error("{} was unreadable ({}); moved it to {} and wrote a fresh one", path.toStdString(),
                   read.error().message.toStdString(), aside.toStdString());
        change.setAside = aside;
    } else {
        return read.error();
    }

    change.before = state.kill;
    change.after = state.kill;
    switch (action) {
    case KillAction::Kill: change.after.kill(target); break;
    case KillAction::Resume: change.after.resume(target); break;
    case KillAction::ResumeEverything: change.after.resumeEverything(); break;
    }
    if (!change.changed() && change.setAside.isEmpty())
        return change;
    if (auto written = writeStateFile(path, std::move(state.document), change.after); !written)
        return written.error();
    log->info("kill switches now: {}", change.after.describe().toStdString());
    return change;
}

} // namespace keyward
