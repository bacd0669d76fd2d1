#pragma once

#include "clients/configedit.h"

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

#include <vector>

namespace keyward::clients {

// The MCP clients Keyward can configure (issue 7, NOTES.md "MCP client config files"): where each
// keeps its MCP servers, in which format, and how an entry looks.

// How a client's HTTP entry carries Keyward's agent token.
enum class HttpTokenStyle {
    None,            // the client has no HTTP entries with headers (Claude Desktop): no --http
    PlainHeader,     // `headers: {"Authorization": "Bearer kwa_..."}` written into the file
    VsCodeInput,     // VS Code: a `promptString` input with `password: true`, referenced as ${input:keyward-token}
    CodexBearerEnv,  // Codex: `bearer_token_env_var = "KEYWARD_AGENT_TOKEN"`, the token lives in the user's environment
};

struct ClientDescriptor {
    QString id;        // claude-desktop cursor vscode windsurf claude-code codex zed
    QString name;      // "Claude Desktop"
    ConfigFormat format;
    KeyPath serversPath;  // the servers map: mcpServers / servers / context_servers / mcp_servers
    QString stdioType;    // the "type" an stdio entry carries ("stdio" for VS Code), empty = none
    QString httpType;     // the "type" an HTTP entry carries ("http" for VS Code and Claude Code), empty = none
    QString httpUrlKey;   // "url", or "serverUrl" (Windsurf); empty with HttpTokenStyle::None
    HttpTokenStyle httpToken = HttpTokenStyle::None;
};

// Where client files live: HOME, XDG_CONFIG_HOME and APPDATA as the process sees them (so tests
// point them at a temp HOME), and the OS the paths are laid out for.
struct ClientEnvironment {
    enum class Os { Linux, MacOs, Windows };
    QString home;
    QString xdgConfigHome; // empty = $HOME/.config
    QString appData;       // Windows %APPDATA%
    QString codexHome;     // CODEX_HOME; empty = $HOME/.codex
    Os os = Os::Linux;

    // From the environment of this process, for the OS it was built for.
    static ClientEnvironment fromProcess();
};

// Where one client's MCP config is on this machine.
struct ClientLocation {
    QString configFile;  // absolute path of the file holding the servers map
    QString installDir;  // the directory whose existence means "installed"
    bool installed = false;   // installDir exists (or the file itself does)
    bool fileExists = false;
};

// Every client, in a fixed order (the order of DESIGN.md's CLIENT list).
const std::vector<ClientDescriptor> &clientRegistry();
// The client with `id`, or nullptr.
const ClientDescriptor *findClient(const QString &id);
// The ids, in registry order, for messages ("claude-desktop cursor ...").
QStringList clientIds();

// Where `client` keeps its config under `env`; touches nothing but stat().
ClientLocation locateClient(const ClientDescriptor &client, const ClientEnvironment &env);

// The entry name Keyward configures in every client.
inline constexpr const char *kKeywardEntry = "keyward";

// An stdio server entry in `client`'s shape: {"command": ..., "args": [...]} plus "env" when
// `env` is a non-empty object, and "type": "stdio" where the client wants it (VS Code). Keys come
// out in nlohmann::json's (alphabetical) order.
// Zed uses the same documented `{"command", "args", "env"}` form in `context_servers`.
nlohmann::json stdioEntry(const ClientDescriptor &client, const QString &command, const QStringList &args,
                          const nlohmann::json &env = nlohmann::json::object());

// The key path of server `name` in `client`'s document.
KeyPath serverPath(const ClientDescriptor &client, const std::string &name);

// The servers map of `document` (an empty object when missing or not an object).
nlohmann::json serversOf(const ClientDescriptor &client, const nlohmann::json &document);

} // namespace keyward::clients
