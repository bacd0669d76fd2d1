#include "clients/clientregistry.h"

#include <QDir>
#include <QFileInfo>

namespace keyward::clients {

namespace {

QString joinPath(const QString &base, const QString &relative) { return QDir(base).filePath(relative); }

QString configBase(const ClientEnvironment &env)
{
    return env.xdgConfigHome.isEmpty() ? joinPath(env.home, QStringLiteral(".config")) : env.xdgConfigHome;
}

// The per-user application-data directory the Electron apps (Claude Desktop, VS Code) use.
QString appDataBase(const ClientEnvironment &env)
{
    switch (env.os) {
    case ClientEnvironment::Os::MacOs:
        return joinPath(env.home, QStringLiteral("Library/Application Support"));
    case ClientEnvironment::Os::Windows:
        return env.appData.isEmpty() ? joinPath(env.home, QStringLiteral("AppData/Roaming")) : env.appData;
    case ClientEnvironment::Os::Linux:
        break;
    }
    return configBase(env);
}

} // namespace

ClientEnvironment ClientEnvironment::fromProcess()
{
    ClientEnvironment env;
    env.home = qEnvironmentVariable("HOME");
    if (env.home.isEmpty())
        env.home = QDir::homePath();
    env.xdgConfigHome = qEnvironmentVariable("XDG_CONFIG_HOME");
    env.appData = qEnvironmentVariable("APPDATA");
    env.codexHome = qEnvironmentVariable("CODEX_HOME");
#if defined(Q_OS_MACOS)
    env.os = Os::MacOs;
#elif defined(Q_OS_WIN)
    env.os = Os::Windows;
    if (!qEnvironmentVariableIsSet("HOME"))
        env.home = qEnvironmentVariable("USERPROFILE", QDir::homePath());
#else
    env.os = Os::Linux;
#endif
    return env;
}

const std::vector<ClientDescriptor> &clientRegistry()
{
    static const std::vector<ClientDescriptor> registry = {
        {QStringLiteral("claude-desktop"), QStringLiteral("Claude Desktop"), ConfigFormat::Json, {"mcpServers"}, {}, {},
         {}, HttpTokenStyle::None},
        {QStringLiteral("cursor"), QStringLiteral("Cursor"), ConfigFormat::Json, {"mcpServers"}, {}, {},
         QStringLiteral("url"), HttpTokenStyle::PlainHeader},
        {QStringLiteral("vscode"), QStringLiteral("VS Code"), ConfigFormat::Jsonc, {"servers"}, QStringLiteral("stdio"),
         QStringLiteral("http"), QStringLiteral("url"), HttpTokenStyle::VsCodeInput},
        {QStringLiteral("windsurf"), QStringLiteral("Windsurf"), ConfigFormat::Json, {"mcpServers"}, {}, {},
         QStringLiteral("serverUrl"), HttpTokenStyle::PlainHeader},
        {QStringLiteral("claude-code"), QStringLiteral("Claude Code"), ConfigFormat::Json, {"mcpServers"}, {},
         QStringLiteral("http"), QStringLiteral("url"), HttpTokenStyle::PlainHeader},
        {QStringLiteral("codex"), QStringLiteral("Codex CLI"), ConfigFormat::Toml, {"mcp_servers"}, {}, {},
         QStringLiteral("url"), HttpTokenStyle::CodexBearerEnv},
        {QStringLiteral("zed"), QStringLiteral("Zed"), ConfigFormat::Jsonc, {"context_servers"}, {}, {},
         QStringLiteral("url"), HttpTokenStyle::PlainHeader},
    };
    return registry;
}

const ClientDescriptor *findClient(const QString &id)
{
    for (const ClientDescriptor &client : clientRegistry()) {
        if (client.id == id)
            return &client;
    }
    return nullptr;
}

QStringList clientIds()
{
    QStringList ids;
    for (const ClientDescriptor &client : clientRegistry())
        ids.append(client.id);
    return ids;
}

ClientLocation locateClient(const ClientDescriptor &client, const ClientEnvironment &env)
{
    ClientLocation location;
    const QString &id = client.id;
    if (id == QLatin1String("claude-desktop")) {
        location.installDir = joinPath(appDataBase(env), QStringLiteral("Claude"));
        location.configFile = joinPath(location.installDir, QStringLiteral("claude_desktop_config.json"));
    } else if (id == QLatin1String("cursor")) {
        location.installDir = joinPath(env.home, QStringLiteral(".cursor"));
        location.configFile = joinPath(location.installDir, QStringLiteral("mcp.json"));
    } else if (id == QLatin1String("vscode")) {
        location.installDir = joinPath(appDataBase(env), QStringLiteral("Code/User"));
        location.configFile = joinPath(location.installDir, QStringLiteral("mcp.json"));
    } else if (id == QLatin1String("windsurf")) {
        location.installDir = joinPath(env.home, QStringLiteral(".codeium/windsurf"));
        location.configFile = joinPath(location.installDir, QStringLiteral("mcp_config.json"));
    } else if (id == QLatin1String("claude-code")) {
        // ~/.claude.json sits in HOME itself; Claude Code's own directory ~/.claude says it is installed.
        location.installDir = joinPath(env.home, QStringLiteral(".claude"));
        location.configFile = joinPath(env.home, QStringLiteral(".claude.json"));
    } else if (id == QLatin1String("codex")) {
        location.installDir = env.codexHome.isEmpty() ? joinPath(env.home, QStringLiteral(".codex")) : env.codexHome;
        location.configFile = joinPath(location.installDir, QStringLiteral("config.toml"));
    } else if (id == QLatin1String("zed")) {
        location.installDir = env.os == ClientEnvironment::Os::Windows
                                  ? joinPath(appDataBase(env), QStringLiteral("Zed"))
                                  : joinPath(configBase(env), QStringLiteral("zed"));
        location.configFile = joinPath(location.installDir, QStringLiteral("settings.json"));
    }
    location.configFile = QDir::cleanPath(location.configFile);
    location.installDir = QDir::cleanPath(location.installDir);
    // exists() follows symlinks; a dangling link still counts as "there is a file" (reading it fails clearly).
    const QFileInfo file(location.configFile);
    location.fileExists = file.exists() || file.isSymLink();
    location.installed = QFileInfo(location.installDir).isDir() || location.fileExists;
    return location;
}

nlohmann::json stdioEntry(const ClientDescriptor &client, const QString &command, const QStringList &args,
                          const nlohmann::json &env)
{
    nlohmann::json entry = nlohmann::json::object();
    if (!client.stdioType.isEmpty())
        entry["type"] = client.stdioType.toStdString();
    entry["command"] = command.toStdString();
    nlohmann::json list = nlohmann::json::array();
    for (const QString &arg : args)
        list.push_back(arg.toStdString());
    entry["args"] = list;
    if (env.is_object() && !env.empty())
        entry["env"] = env;
    return entry;
}

KeyPath serverPath(const ClientDescriptor &client, const std::string &name)
{
    KeyPath path = client.serversPath;
    path.push_back(name);
    return path;
}

nlohmann::json serversOf(const ClientDescriptor &client, const nlohmann::json &document)
{
    const nlohmann::json *node = &document;
    for (const std::string &key : client.serversPath) {
        if (!node->is_object() || !node->contains(key))
            return nlohmann::json::object();
        node = &(*node)[key];
    }
    return node->is_object() ? *node : nlohmann::json::object();
}

} // namespace keyward::clients
