// The span-preserving config editor: golden outputs for real client files (Claude Desktop,
// Cursor, VS Code, Zed, Codex CLI), line endings, BOM, indentation, idempotence, exact undo of an
// added key, and every refusal with where it happened.

#include "clients/configedit.h"

#include <QtTest>

#include <ctime>
#include <string>

using keyward::clients::ConfigFormat;
using keyward::clients::KeyPath;
using keyward::clients::parseConfig;
using keyward::clients::removeValue;
using keyward::clients::setValue;
using nlohmann::json;

Q_DECLARE_METATYPE(keyward::clients::ConfigFormat)

namespace {

std::string bytes(const QByteArray &data) { return data.toStdString(); }

KeyPath keyPath(const QStringList &keys)
{
    KeyPath path;
    for (const QString &key : keys)
        path.push_back(key.toStdString());
    return path;
}

QByteArray text(const std::string &value) { return QByteArray::fromStdString(value); }

// The error message of a failed result (QVERIFY2 evaluates its message even when it passes).
template <typename T>
QByteArray failure(const keyward::Result<T> &result)
{
    return result.ok() ? QByteArray() : result.error().code.toUtf8() + ": " + result.error().message.toUtf8();
}

double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1000.0 + double(now.tv_nsec) / 1e6;
}

// The document with `value` at `path`, built with nlohmann alone.
json withValue(json document, const KeyPath &path, const json &value)
{
    json *current = &document;
    for (std::size_t i = 0; i + 1 < path.size(); ++i)
        current = &(*current)[path[i]];
    (*current)[path.back()] = value;
    return document;
}

} // namespace

class TestConfigEdit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void setValueGivesGoldenOutput_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QStringList>("path");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("claude desktop keeps preferences")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"npx\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"/usr/bin/keyward\", \"args\": [\"mcp\", \"--agent\", \"claude-desktop\"]}")
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"npx\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    },\n"
            "    \"keyward\": {\n"
            "      \"command\": \"/usr/bin/keyward\",\n"
            "      \"args\": [\"mcp\", \"--agent\", \"claude-desktop\"]\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n");
        QTest::newRow("cursor four spaces no final newline")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "    \"mcpServers\": {\n"
            "        \"github\": {\n"
            "            \"url\": \"https://api.githubcopilot.com/mcp/\",\n"
            "            \"headers\": {\n"
            "                \"Authorization\": \"Bearer ghp_example\"\n"
            "            }\n"
            "        }\n"
            "    }\n"
            "}")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"/usr/bin/keyward\", \"args\": [\"mcp\", \"--agent\", \"cursor\"]}")
            << QByteArray("{\n"
            "    \"mcpServers\": {\n"
            "        \"github\": {\n"
            "            \"url\": \"https://api.githubcopilot.com/mcp/\",\n"
            "            \"headers\": {\n"
            "                \"Authorization\": \"Bearer ghp_example\"\n"
            "            }\n"
            "        },\n"
            "        \"keyward\": {\n"
            "            \"command\": \"/usr/bin/keyward\",\n"
            "            \"args\": [\"mcp\", \"--agent\", \"cursor\"]\n"
            "        }\n"
            "    }\n"
            "}");
        QTest::newRow("replace an existing value")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"npx\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n")
            << (QStringList() << "mcpServers" << "github" << "command")
            << QByteArray("\"/usr/bin/keyward\"")
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"/usr/bin/keyward\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n");
        QTest::newRow("replace an existing entry")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"npx\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n")
            << (QStringList() << "mcpServers" << "github")
            << QByteArray("{\"command\": \"/usr/bin/keyward\", \"args\": [\"run\", \"--env\", \"GITHUB_PERSONAL_ACCESS_TOKEN=@github\", \"--\", \"npx\"]}")
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"/usr/bin/keyward\",\n"
            "      \"args\": [\"run\", \"--env\", \"GITHUB_PERSONAL_ACCESS_TOKEN=@github\", \"--\", \"npx\"]\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n");
        QTest::newRow("missing parents created")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"/usr/bin/keyward\", \"args\": [\"mcp\", \"--agent\", \"claude-desktop\"]}")
            << QByteArray("{\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  },\n"
            "  \"mcpServers\": {\n"
            "    \"keyward\": {\n"
            "      \"command\": \"/usr/bin/keyward\",\n"
            "      \"args\": [\"mcp\", \"--agent\", \"claude-desktop\"]\n"
            "    }\n"
            "  }\n"
            "}\n");
        QTest::newRow("crlf")
            << ConfigFormat::Json
            << QByteArray("{\r\n"
            "  \"mcpServers\": {\r\n"
            "    \"github\": {\r\n"
            "      \"command\": \"npx\",\r\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\r\n"
            "      \"env\": {\r\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\r\n"
            "      }\r\n"
            "    }\r\n"
            "  },\r\n"
            "  \"preferences\": {\r\n"
            "    \"quickEntryShortcut\": \"off\"\r\n"
            "  }\r\n"
            "}\r\n")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"/usr/bin/keyward\", \"args\": [\"mcp\", \"--agent\", \"claude-desktop\"]}")
            << QByteArray("{\r\n"
            "  \"mcpServers\": {\r\n"
            "    \"github\": {\r\n"
            "      \"command\": \"npx\",\r\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\r\n"
            "      \"env\": {\r\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\r\n"
            "      }\r\n"
            "    },\r\n"
            "    \"keyward\": {\r\n"
            "      \"command\": \"/usr/bin/keyward\",\r\n"
            "      \"args\": [\"mcp\", \"--agent\", \"claude-desktop\"]\r\n"
            "    }\r\n"
            "  },\r\n"
            "  \"preferences\": {\r\n"
            "    \"quickEntryShortcut\": \"off\"\r\n"
            "  }\r\n"
            "}\r\n");
        QTest::newRow("bom")
            << ConfigFormat::Json
            << QByteArray("\xEF""\xBB""\xBF""{\n"
            "  \"mcpServers\": {}\n"
            "}\n")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"k\"}")
            << QByteArray("\xEF""\xBB""\xBF""{\n"
            "  \"mcpServers\": {\n"
            "    \"keyward\": {\n"
            "      \"command\": \"k\"\n"
            "    }\n"
            "  }\n"
            "}\n");
        QTest::newRow("tabs")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "\t\"mcpServers\": {\n"
            "\t\t\"a\": {\n"
            "\t\t\t\"command\": \"a\"\n"
            "\t\t}\n"
            "\t}\n"
            "}\n")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"k\", \"env\": {\"A\": \"1\"}}")
            << QByteArray("{\n"
            "\t\"mcpServers\": {\n"
            "\t\t\"a\": {\n"
            "\t\t\t\"command\": \"a\"\n"
            "\t\t},\n"
            "\t\t\"keyward\": {\n"
            "\t\t\t\"command\": \"k\",\n"
            "\t\t\t\"env\": {\n"
            "\t\t\t\t\"A\": \"1\"\n"
            "\t\t\t}\n"
            "\t\t}\n"
            "\t}\n"
            "}\n");
        QTest::newRow("empty file")
            << ConfigFormat::Json
            << QByteArray("")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"k\"}")
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"keyward\": {\n"
            "      \"command\": \"k\"\n"
            "    }\n"
            "  }\n"
            "}\n");
        QTest::newRow("whitespace only")
            << ConfigFormat::Json
            << QByteArray(" \n"
            "\n")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"k\"}")
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"keyward\": {\n"
            "      \"command\": \"k\"\n"
            "    }\n"
            "  }\n"
            "}\n");
        QTest::newRow("empty object")
            << ConfigFormat::Json
            << QByteArray("{}")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"k\"}")
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"keyward\": {\n"
            "      \"command\": \"k\"\n"
            "    }\n"
            "  }\n"
            "}");
        QTest::newRow("one-line file stays on one line")
            << ConfigFormat::Json
            << QByteArray("{\"mcpServers\":{\"a\":{\"command\":\"a\"}}}")
            << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{\"command\": \"k\", \"args\": [\"x\"]}")
            << QByteArray("{\"mcpServers\":{\"a\":{\"command\":\"a\"},\"keyward\":{\"command\":\"k\",\"args\":[\"x\"]}}}");
        QTest::newRow("vscode jsonc comments trailing commas inputs")
            << ConfigFormat::Jsonc
            << QByteArray("// VS Code MCP servers\n"
            "{\n"
            "\t\"inputs\": [\n"
            "\t\t{ \"type\": \"promptString\", \"id\": \"gh-token\", \"password\": true },\n"
            "\t],\n"
            "\t\"servers\": {\n"
            "\t\t// GitHub, token from the prompt\n"
            "\t\t\"github\": {\n"
            "\t\t\t\"type\": \"stdio\",\n"
            "\t\t\t\"command\": \"npx\", // runs from npm\n"
            "\t\t\t\"env\": { \"GITHUB_TOKEN\": \"${input:gh-token}\" },\n"
            "\t\t},\n"
            "\t},\n"
            "}\n")
            << (QStringList() << "servers" << "keyward")
            << QByteArray("{\"type\": \"stdio\", \"command\": \"/usr/bin/keyward\", \"args\": [\"mcp\", \"--agent\", \"vscode\"]}")
            << QByteArray("// VS Code MCP servers\n"
            "{\n"
            "\t\"inputs\": [\n"
            "\t\t{ \"type\": \"promptString\", \"id\": \"gh-token\", \"password\": true },\n"
            "\t],\n"
            "\t\"servers\": {\n"
            "\t\t// GitHub, token from the prompt\n"
            "\t\t\"github\": {\n"
            "\t\t\t\"type\": \"stdio\",\n"
            "\t\t\t\"command\": \"npx\", // runs from npm\n"
            "\t\t\t\"env\": { \"GITHUB_TOKEN\": \"${input:gh-token}\" },\n"
            "\t\t},\n"
            "\t\t\"keyward\": {\n"
            "\t\t\t\"type\": \"stdio\",\n"
            "\t\t\t\"command\": \"/usr/bin/keyward\",\n"
            "\t\t\t\"args\": [\"mcp\", \"--agent\", \"vscode\"]\n"
            "\t\t},\n"
            "\t},\n"
            "}\n");
        QTest::newRow("zed context_servers deep in comments")
            << ConfigFormat::Jsonc
            << QByteArray("// Zed settings\n"
            "//\n"
            "// For information on how to configure Zed, see the Zed\n"
            "// documentation: https://zed.dev/docs/configuring-zed\n"
            "{\n"
            "  \"ui_font_size\": 16,\n"
            "  \"buffer_font_size\": 15,\n"
            "  /* theme picked in the UI */\n"
            "  \"theme\": {\n"
            "    \"mode\": \"system\",\n"
            "    \"light\": \"One Light\",\n"
            "    \"dark\": \"One Dark\"\n"
            "  },\n"
            "  \"context_servers\": {\n"
            "    \"postgres\": {\n"
            "      \"command\": {\n"
            "        \"path\": \"postgres-mcp\",\n"
            "        \"args\": [],\n"
            "        \"env\": { \"DATABASE_URL\": \"postgres://localhost/db\" }\n"
            "      },\n"
            "      \"settings\": {}\n"
            "    } // the only one for now\n"
            "  },\n"
            "  \"vim_mode\": false, // trailing comma next\n"
            "}\n")
            << (QStringList() << "context_servers" << "keyward")
            << QByteArray("{\"command\": {\"path\": \"/usr/bin/keyward\", \"args\": [\"mcp\", \"--agent\", \"zed\"]}, \"settings\": {}}")
            << QByteArray("// Zed settings\n"
            "//\n"
            "// For information on how to configure Zed, see the Zed\n"
            "// documentation: https://zed.dev/docs/configuring-zed\n"
            "{\n"
            "  \"ui_font_size\": 16,\n"
            "  \"buffer_font_size\": 15,\n"
            "  /* theme picked in the UI */\n"
            "  \"theme\": {\n"
            "    \"mode\": \"system\",\n"
            "    \"light\": \"One Light\",\n"
            "    \"dark\": \"One Dark\"\n"
            "  },\n"
            "  \"context_servers\": {\n"
            "    \"postgres\": {\n"
            "      \"command\": {\n"
            "        \"path\": \"postgres-mcp\",\n"
            "        \"args\": [],\n"
            "        \"env\": { \"DATABASE_URL\": \"postgres://localhost/db\" }\n"
            "      },\n"
            "      \"settings\": {}\n"
            "    }, // the only one for now\n"
            "    \"keyward\": {\n"
            "      \"command\": {\n"
            "        \"path\": \"/usr/bin/keyward\",\n"
            "        \"args\": [\"mcp\", \"--agent\", \"zed\"]\n"
            "      },\n"
            "      \"settings\": {}\n"
            "    }\n"
            "  },\n"
            "  \"vim_mode\": false, // trailing comma next\n"
            "}\n");
        QTest::newRow("zed without context_servers")
            << ConfigFormat::Jsonc
            << QByteArray("// Zed settings\n"
            "{\n"
            "  \"vim_mode\": true,\n"
            "  // \"context_servers\": {},\n"
            "}\n")
            << (QStringList() << "context_servers" << "keyward")
            << QByteArray("{\"command\": {\"path\": \"/usr/bin/keyward\", \"args\": [\"mcp\"]}}")
            << QByteArray("// Zed settings\n"
            "{\n"
            "  \"vim_mode\": true,\n"
            "  \"context_servers\": {\n"
            "    \"keyward\": {\n"
            "      \"command\": {\n"
            "        \"path\": \"/usr/bin/keyward\",\n"
            "        \"args\": [\"mcp\"]\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  // \"context_servers\": {},\n"
            "}\n");
        QTest::newRow("codex new table between others")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "mcp_servers" << "keyward")
            << QByteArray("{\"command\": \"/usr/bin/keyward\", \"args\": [\"mcp\", \"--agent\", \"codex\"]}")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[mcp_servers.keyward]\n"
            "command = \"/usr/bin/keyward\"\n"
            "args = [\"mcp\", \"--agent\", \"codex\"]\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("codex env subtable")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "mcp_servers" << "github" << "env" << "OTHER")
            << QByteArray("\"1\"")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "OTHER = \"1\"\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("codex inline env")
            << ConfigFormat::Toml
            << QByteArray("model = \"o3\"\n"
            "\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "env = { GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" }\n")
            << (QStringList() << "mcp_servers" << "github" << "env" << "OTHER")
            << QByteArray("\"1\"")
            << QByteArray("model = \"o3\"\n"
            "\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "env = { GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\", OTHER = \"1\" }\n");
        QTest::newRow("codex replace command")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "mcp_servers" << "github" << "command")
            << QByteArray("\"/usr/bin/keyward\"")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"/usr/bin/keyward\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("codex entry with env table")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "mcp_servers" << "keyward")
            << QByteArray("{\"command\": \"/usr/bin/keyward\", \"env\": {\"KEYWARD_HOME\": \"/home/u/.kw\"}}")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[mcp_servers.keyward]\n"
            "command = \"/usr/bin/keyward\"\n"
            "\n"
            "[mcp_servers.keyward.env]\n"
            "KEYWARD_HOME = \"/home/u/.kw\"\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("toml empty file")
            << ConfigFormat::Toml
            << QByteArray("")
            << (QStringList() << "mcp_servers" << "keyward")
            << QByteArray("{\"command\": \"k\"}")
            << QByteArray("[mcp_servers.keyward]\n"
            "command = \"k\"\n");
        QTest::newRow("toml top-level key")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "model_provider")
            << QByteArray("\"openai\"")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "model_provider = \"openai\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("toml crlf and bom")
            << ConfigFormat::Toml
            << QByteArray("\xEF""\xBB""\xBF""model = \"o3\"\r\n"
            "\r\n"
            "[mcp_servers.a]\r\n"
            "command = \"a\"\r\n")
            << (QStringList() << "mcp_servers" << "keyward")
            << QByteArray("{\"command\": \"k\"}")
            << QByteArray("\xEF""\xBB""\xBF""model = \"o3\"\r\n"
            "\r\n"
            "[mcp_servers.a]\r\n"
            "command = \"a\"\r\n"
            "\r\n"
            "[mcp_servers.keyward]\r\n"
            "command = \"k\"\r\n");
        QTest::newRow("toml no final newline")
            << ConfigFormat::Toml
            << QByteArray("[mcp_servers.a]\n"
            "command = \"a\"")
            << (QStringList() << "mcp_servers" << "a" << "args")
            << QByteArray("[\"x\"]")
            << QByteArray("[mcp_servers.a]\n"
            "command = \"a\"\n"
            "args = [\"x\"]");
    }

    void setValueKeepsTheLayoutAroundIt_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QStringList>("path");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("toml key before the first table stays after the bom")
            << ConfigFormat::Toml << QByteArray("\xEF\xBB\xBF[t]\nx = 1\n") << (QStringList() << "k") << QByteArray("-7")
            << QByteArray("\xEF\xBB\xBFk = -7\n\n[t]\nx = 1\n");
        QTest::newRow("toml dotted table replaced by a value")
            << ConfigFormat::Toml << QByteArray("[t]\na.b.c = 1979-05-27\n") << (QStringList() << "t" << "a" << "b")
            << QByteArray("-7") << QByteArray("[t]\n\n[t.a]\nb = -7\n");
        QTest::newRow("toml key added to a dotted table")
            << ConfigFormat::Toml << QByteArray("[mcp_servers]\ngithub.command = \"npx\"\n# end\n")
            << (QStringList() << "mcp_servers" << "github" << "args") << QByteArray("[\"-y\"]")
            << QByteArray("[mcp_servers]\ngithub.command = \"npx\"\ngithub.args = [\"-y\"]\n# end\n");
        QTest::newRow("toml value in a table only implied by its subtables")
            << ConfigFormat::Toml << QByteArray("[mcp_servers.a]\ncommand = \"a\"\n") << (QStringList() << "mcp_servers" << "x")
            << QByteArray("1") << QByteArray("[mcp_servers]\nx = 1\n\n[mcp_servers.a]\ncommand = \"a\"\n");
        QTest::newRow("toml inline table with dotted keys written again")
            << ConfigFormat::Toml << QByteArray("a = { b.c = 1, d = 2 }\n") << (QStringList() << "a" << "b" << "e")
            << QByteArray("3") << QByteArray("a = { b = { c = 1, e = 3 }, d = 2 }\n");
        QTest::newRow("toml strings escaped")
            << ConfigFormat::Toml << QByteArray("") << (QStringList() << "a b" << "c")
            << QByteArray("\"q\\\" \\\\ \\n \\u0001 \u00e9\"")
            << QByteArray("[\"a b\"]\nc = \"q\\\" \\\\ \\n \\u0001 \xC3\xA9\"\n");
        QTest::newRow("toml floats")
            << ConfigFormat::Toml << QByteArray("x = 1\n") << (QStringList() << "f") << QByteArray("[2.0, 1e+100, -0.5]")
            << QByteArray("x = 1\nf = [2.0, 1e+100, -0.5]\n");
        QTest::newRow("json keys and strings escaped")
            << ConfigFormat::Json << QByteArray("{}\n") << (QStringList() << "a\"b") << QByteArray("\"\\u0001\u00e9\"")
            << QByteArray("{\n  \"a\\\"b\": \"\\u0001\xC3\xA9\"\n}\n");
        QTest::newRow("json long arrays go one element a line")
            << ConfigFormat::Json << QByteArray("{\n  \"a\": 1\n}") << (QStringList() << "args")
            << QByteArray("[\"0123456789012345678901234567890123456789\", \"0123456789012345678901234567890123456789\"]")
            << QByteArray("{\n  \"a\": 1,\n  \"args\": [\n    \"0123456789012345678901234567890123456789\",\n"
                          "    \"0123456789012345678901234567890123456789\"\n  ]\n}");
    }

    void setValueKeepsTheLayoutAroundIt() { checkSetValueRow(); }

    void setValueGivesGoldenOutput() { checkSetValueRow(); }

    void removeValueGivesGoldenOutput_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QStringList>("path");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("json last entry")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"a\": 1,\n"
            "  \"b\": 2,\n"
            "  \"c\": 3\n"
            "}\n")
            << (QStringList() << "c")
            << QByteArray("{\n"
            "  \"a\": 1,\n"
            "  \"b\": 2\n"
            "}\n");
        QTest::newRow("json first entry")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"a\": 1,\n"
            "  \"b\": 2,\n"
            "  \"c\": 3\n"
            "}\n")
            << (QStringList() << "a")
            << QByteArray("{\n"
            "  \"b\": 2,\n"
            "  \"c\": 3\n"
            "}\n");
        QTest::newRow("json middle entry")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"a\": 1,\n"
            "  \"b\": 2,\n"
            "  \"c\": 3\n"
            "}\n")
            << (QStringList() << "b")
            << QByteArray("{\n"
            "  \"a\": 1,\n"
            "  \"c\": 3\n"
            "}\n");
        QTest::newRow("json only entry")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"servers\": {\n"
            "    \"a\": 1\n"
            "  }\n"
            "}\n")
            << (QStringList() << "servers" << "a")
            << QByteArray("{\n"
            "  \"servers\": {}\n"
            "}\n");
        QTest::newRow("json one line last")
            << ConfigFormat::Json
            << QByteArray("{\"a\": 1, \"b\": 2, \"c\": 3}")
            << (QStringList() << "c")
            << QByteArray("{\"a\": 1, \"b\": 2}");
        QTest::newRow("json one line first")
            << ConfigFormat::Json
            << QByteArray("{\"a\": 1, \"b\": 2, \"c\": 3}")
            << (QStringList() << "a")
            << QByteArray("{\"b\": 2, \"c\": 3}");
        QTest::newRow("json one line middle")
            << ConfigFormat::Json
            << QByteArray("{\"a\": 1, \"b\": 2, \"c\": 3}")
            << (QStringList() << "b")
            << QByteArray("{\"a\": 1, \"c\": 3}");
        QTest::newRow("json nested entry")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"npx\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n")
            << (QStringList() << "mcpServers" << "github")
            << QByteArray("{\n"
            "  \"mcpServers\": {},\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n");
        QTest::newRow("jsonc last with trailing comma")
            << ConfigFormat::Jsonc
            << QByteArray("{\n"
            "  \"a\": 1, // one\n"
            "  \"b\": 2, // two\n"
            "}\n")
            << (QStringList() << "b")
            << QByteArray("{\n"
            "  \"a\": 1, // one\n"
            "}\n");
        QTest::newRow("jsonc last without trailing comma")
            << ConfigFormat::Jsonc
            << QByteArray("{\n"
            "  \"a\": 1, // one\n"
            "  \"b\": 2 // two\n"
            "}\n")
            << (QStringList() << "b")
            << QByteArray("{\n"
            "  \"a\": 1 // one\n"
            "}\n");
        QTest::newRow("jsonc vscode server")
            << ConfigFormat::Jsonc
            << QByteArray("// VS Code MCP servers\n"
            "{\n"
            "\t\"inputs\": [\n"
            "\t\t{ \"type\": \"promptString\", \"id\": \"gh-token\", \"password\": true },\n"
            "\t],\n"
            "\t\"servers\": {\n"
            "\t\t// GitHub, token from the prompt\n"
            "\t\t\"github\": {\n"
            "\t\t\t\"type\": \"stdio\",\n"
            "\t\t\t\"command\": \"npx\", // runs from npm\n"
            "\t\t\t\"env\": { \"GITHUB_TOKEN\": \"${input:gh-token}\" },\n"
            "\t\t},\n"
            "\t},\n"
            "}\n")
            << (QStringList() << "servers" << "github")
            << QByteArray("// VS Code MCP servers\n"
            "{\n"
            "\t\"inputs\": [\n"
            "\t\t{ \"type\": \"promptString\", \"id\": \"gh-token\", \"password\": true },\n"
            "\t],\n"
            "\t\"servers\": {\n"
            "\t\t// GitHub, token from the prompt\n"
            "\t},\n"
            "}\n");
        QTest::newRow("toml key line")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "approval_policy")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("toml table and subtable")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "mcp_servers" << "github")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("toml subtable")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "mcp_servers" << "github" << "env")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
        QTest::newRow("toml inline member")
            << ConfigFormat::Toml
            << QByteArray("model = \"o3\"\n"
            "\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "env = { GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" , OTHER = \"1\" }\n")
            << (QStringList() << "mcp_servers" << "github" << "env" << "GITHUB_PERSONAL_ACCESS_TOKEN")
            << QByteArray("model = \"o3\"\n"
            "\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "env = { OTHER = \"1\" }\n");
        QTest::newRow("toml last line without newline")
            << ConfigFormat::Toml
            << QByteArray("[a]\n"
            "b = 1\n"
            "c = 2")
            << (QStringList() << "a" << "c")
            << QByteArray("[a]\n"
            "b = 1");
        QTest::newRow("missing key")
            << ConfigFormat::Json
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"npx\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n")
            << (QStringList() << "mcpServers" << "nothere")
            << QByteArray("{\n"
            "  \"mcpServers\": {\n"
            "    \"github\": {\n"
            "      \"command\": \"npx\",\n"
            "      \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"],\n"
            "      \"env\": {\n"
            "        \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_example\"\n"
            "      }\n"
            "    }\n"
            "  },\n"
            "  \"preferences\": {\n"
            "    \"quickEntryShortcut\": \"off\"\n"
            "  }\n"
            "}\n");
        QTest::newRow("missing toml key")
            << ConfigFormat::Toml
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n")
            << (QStringList() << "mcp_servers" << "nothere" << "x")
            << QByteArray("# Codex CLI configuration\n"
            "model = \"o3\"\n"
            "approval_policy = \"on-request\"\n"
            "\n"
            "[history]\n"
            "persistence = \"save-all\"\n"
            "\n"
            "# GitHub server\n"
            "[mcp_servers.github]\n"
            "command = \"npx\"\n"
            "args = [\"-y\", \"@modelcontextprotocol/server-github\"]\n"
            "\n"
            "[mcp_servers.github.env]\n"
            "GITHUB_PERSONAL_ACCESS_TOKEN = \"ghp_example\" # moved by keyward later\n"
            "\n"
            "[profiles.fast]\n"
            "model = \"o4-mini\"\n");
    }

    void removeValueKeepsCommentsWorking_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QStringList>("path");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("last member sharing the brace's line after a line comment")
            << ConfigFormat::Jsonc << QByteArray("{\n  \"a\": 1, // c\n  \"b\": 2}\n") << (QStringList() << "b")
            << QByteArray("{\n  \"a\": 1 // c\n}\n");
        QTest::newRow("member with a block comment on its line")
            << ConfigFormat::Jsonc << QByteArray("{\n  \"a\": 1, /* one */\n  \"b\": 2\n}\n") << (QStringList() << "a")
            << QByteArray("{\n  \"b\": 2\n}\n");
        QTest::newRow("toml key with a comment line above")
            << ConfigFormat::Toml << QByteArray("# the model\nmodel = \"o3\" # default\nx = 1\n") << (QStringList() << "model")
            << QByteArray("# the model\nx = 1\n");
    }

    void removeValueKeepsCommentsWorking() { checkRemoveValueRow(); }

    void removeValueGivesGoldenOutput() { checkRemoveValueRow(); }

    void setThenRemoveGivesTheOriginalBytes_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QStringList>("path");
        QTest::addColumn<QByteArray>("value");

        const QByteArray entry("{\"command\": \"/usr/bin/keyward\", \"args\": [\"mcp\"], \"env\": {\"A\": \"1\"}}");
        const QByteArray claude("{\n"
                                "  \"mcpServers\": {\n"
                                "    \"github\": { \"command\": \"npx\" }\n"
                                "  },\n"
                                "  \"preferences\": {}\n"
                                "}\n");
        const QStringList keyward = QStringList() << "mcpServers" << "keyward";
        QTest::newRow("json entry") << ConfigFormat::Json << claude << keyward << entry;
        QTest::newRow("json string") << ConfigFormat::Json << claude << keyward << QByteArray("\"x\"");
        QTest::newRow("json crlf") << ConfigFormat::Json << QByteArray(claude).replace("\n", "\r\n") << keyward << entry;
        QTest::newRow("json top level") << ConfigFormat::Json << claude << (QStringList() << "zzz") << QByteArray("[1, 2]");
        QTest::newRow("json one line") << ConfigFormat::Json << QByteArray("{\"a\": {\"b\": 1}}")
                                       << (QStringList() << "a" << "c") << entry;
        QTest::newRow("json no final newline") << ConfigFormat::Json << QByteArray("{\n  \"a\": 1\n}")
                                               << (QStringList() << "b") << entry;
        QTest::newRow("jsonc trailing comma and comment")
            << ConfigFormat::Jsonc << QByteArray("{\n  \"servers\": {\n    \"a\": 1, // one\n  },\n}\n")
            << (QStringList() << "servers" << "keyward") << entry;
        QTest::newRow("jsonc comment after last member")
            << ConfigFormat::Jsonc << QByteArray("{\n  \"servers\": {\n    \"a\": 1 // one\n  }\n}\n")
            << (QStringList() << "servers" << "keyward") << entry;
        QTest::newRow("jsonc block comment before the brace")
            << ConfigFormat::Jsonc << QByteArray("{\n  \"a\": 1\n  /* the end */\n}\n") << (QStringList() << "b")
            << QByteArray("true");
        const QByteArray codex("model = \"o3\" # default\n"
                               "\n"
                               "[mcp_servers.github]\n"
                               "command = \"npx\"\n"
                               "env = { A = \"1\" }\n"
                               "\n"
                               "# profiles\n"
                               "[profiles.fast]\n"
                               "model = \"o4-mini\"\n");
        const QStringList codexKeyward = QStringList() << "mcp_servers" << "keyward";
        QTest::newRow("toml new table") << ConfigFormat::Toml << codex << codexKeyward << entry;
        QTest::newRow("toml new key in a table")
            << ConfigFormat::Toml << codex << (QStringList() << "mcp_servers" << "github" << "args") << QByteArray("[\"-y\"]");
        QTest::newRow("toml new top-level key") << ConfigFormat::Toml << codex << (QStringList() << "approval_policy")
                                                << QByteArray("\"never\"");
        QTest::newRow("toml new key in an inline table")
            << ConfigFormat::Toml << codex << (QStringList() << "mcp_servers" << "github" << "env" << "B")
            << QByteArray("\"2\"");
        QTest::newRow("toml crlf") << ConfigFormat::Toml << QByteArray(codex).replace("\n", "\r\n") << codexKeyward
                                   << entry;
        QTest::newRow("toml key without final newline") << ConfigFormat::Toml << QByteArray("[a]\nb = 1")
                                                        << (QStringList() << "a" << "c") << QByteArray("2.5");
        QTest::newRow("json lone carriage return before the brace")
            << ConfigFormat::Json << QByteArray("{\n  \"a\": 1\r}\n") << (QStringList() << "b") << entry;
        QTest::newRow("jsonc lone carriage return after a trailing comma")
            << ConfigFormat::Jsonc << QByteArray("{\n  \"a\": 1,\r}\n") << (QStringList() << "b") << QByteArray("1");
        QTest::newRow("toml table without final newline") << ConfigFormat::Toml << QByteArray("[a]\nb = 1")
                                                          << (QStringList() << "z") << entry;
    }

    void setThenRemoveGivesTheOriginalBytes()
    {
        QFETCH(ConfigFormat, format);
        QFETCH(QByteArray, input);
        QFETCH(QStringList, path);
        QFETCH(QByteArray, value);

        const auto set = setValue(format, bytes(input), keyPath(path), json::parse(bytes(value)));
        QVERIFY2(set.ok(), failure(set).constData());
        QVERIFY(text(set.value()) != input);
        const auto removed = removeValue(format, set.value(), keyPath(path));
        QVERIFY2(removed.ok(), failure(removed).constData());
        QCOMPARE(text(removed.value()), input);
    }

    void invalidInputIsRefusedWithItsPlace_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("message");

        QTest::newRow("json missing colon")
            << ConfigFormat::Json << QByteArray("{\n  \"a\": 1,\n  \"b\" 2\n}\n")
            << "line 3, column 7: expected ':' after the key";
        QTest::newRow("json missing comma")
            << ConfigFormat::Json << QByteArray("{\n  \"a\": 1\n  \"b\": 2\n}\n")
            << "line 3, column 3: expected ',' or '}' after an object member";
        QTest::newRow("json duplicate key") << ConfigFormat::Json << QByteArray("{\n  \"a\": 1,\n  \"a\": 2\n}\n")
                                            << "duplicate key \"a\" at line 3";
        QTest::newRow("json nested duplicate key")
            << ConfigFormat::Json << QByteArray("{\"s\": {\"x\": 1,\n \"x\": 1}}") << "duplicate key \"x\" at line 2";
        QTest::newRow("json comment") << ConfigFormat::Json << QByteArray("{\n  // note\n  \"a\": 1\n}\n")
                                      << "line 2, column 3: comments are not allowed in this JSON file";
        QTest::newRow("json trailing comma") << ConfigFormat::Json << QByteArray("{\n  \"a\": 1,\n}\n")
                                             << "line 2, column 9: trailing comma before '}'";
        QTest::newRow("json trailing comma in an array")
            << ConfigFormat::Json << QByteArray("{\"a\": [1, 2,]}") << "line 1, column 12: trailing comma before ']'";
        QTest::newRow("json text after the document") << ConfigFormat::Json << QByteArray("{}\n{}")
                                                      << "line 2, column 1: unexpected content after the end of the document";
        QTest::newRow("json truncated") << ConfigFormat::Json << QByteArray("{\"a\": {")
                                        << "line 1, column 8: the document ends inside an object";
        QTest::newRow("json bad escape") << ConfigFormat::Json << QByteArray("{\"a\": \"\\q\"}")
                                         << "line 1, column 8: invalid escape in a string";
        QTest::newRow("json invalid utf-8") << ConfigFormat::Json << QByteArray("{\"a\": \"\xC3\x28\"}")
                                            << "line 1, column 8: invalid UTF-8 in a string";
        QTest::newRow("json column counts characters")
            << ConfigFormat::Json << QByteArray("\xEF\xBB\xBF{\"\xC3\xA9\": 1 2}")
            << "line 1, column 9: expected ',' or '}' after an object member";
        QTest::newRow("json nesting too deep") << ConfigFormat::Json << QByteArray(300, '[') + QByteArray(300, ']')
                                               << "line 1, column 257: nesting deeper than 256 levels";
        QTest::newRow("jsonc unterminated comment") << ConfigFormat::Jsonc << QByteArray("{\"a\": 1 /* x")
                                                    << "line 1, column 9: unterminated /* comment";
        QTest::newRow("jsonc duplicate key") << ConfigFormat::Jsonc << QByteArray("{\n  \"a\": 1, // x\n  \"a\": 2,\n}")
                                             << "duplicate key \"a\" at line 3";
        QTest::newRow("toml duplicate key") << ConfigFormat::Toml << QByteArray("a = 1\nb = 2\na = 3\n")
                                            << "duplicate key \"a\" at line 3";
        QTest::newRow("toml duplicate table") << ConfigFormat::Toml << QByteArray("[t]\na = 1\n\n[t]\n")
                                              << "duplicate key \"[t]\" at line 4";
        QTest::newRow("toml duplicate key in a table")
            << ConfigFormat::Toml << QByteArray("[mcp_servers.a]\ncommand = \"x\"\ncommand = \"y\"\n")
            << "duplicate key \"command\" at line 3";
        QTest::newRow("toml unterminated string") << ConfigFormat::Toml << QByteArray("a = 1\nb = \"x\n")
                                                  << "line 2, column 5: unterminated string";
        QTest::newRow("toml missing equals") << ConfigFormat::Toml << QByteArray("[a]\nb 1\n")
                                             << "line 2, column 3: expected '=' after the key";
        QTest::newRow("toml table over a value") << ConfigFormat::Toml << QByteArray("[a]\nb = 1\n[a.b]\n")
                                                 << "line 3, column 1: Error while parsing table header: cannot redefine "
                                                    "existing integer (...) as table";
        QTest::newRow("toml nesting too deep") << ConfigFormat::Toml << QByteArray("x = ") + QByteArray(300, '[')
                                               << "line 1, column 261: nesting deeper than 256 levels";
        QTest::newRow("toml keys too deep")
            << ConfigFormat::Toml << QByteArray("a").append(QByteArray(".a").repeated(300)).append(" = 1")
            << "line 1, column 1: keys nested deeper than 256 levels";
    }

    void invalidInputIsRefusedWithItsPlace()
    {
        QFETCH(ConfigFormat, format);
        QFETCH(QByteArray, input);
        QFETCH(QString, message);

        const auto parsed = parseConfig(format, bytes(input));
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, QStringLiteral("config_syntax"));
        QCOMPARE(parsed.error().message, message);
        // The editors refuse the same way and never touch the text.
        const auto set = setValue(format, bytes(input), {"mcpServers", "keyward"}, json("x"));
        QVERIFY(!set.ok());
        QCOMPARE(set.error().message, message);
        const auto removed = removeValue(format, bytes(input), {"a"});
        QVERIFY(!removed.ok());
        QCOMPARE(removed.error().message, message);
    }

    void errorsNeverQuoteValues_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");

        QTest::newRow("json unterminated secret") << ConfigFormat::Json
                                                  << QByteArray("{\"env\": {\"TOKEN\": \"ghp_secretvalue123\n}}");
        QTest::newRow("json bare secret") << ConfigFormat::Json << QByteArray("{\"TOKEN\": ghp_secretvalue123}");
        QTest::newRow("toml bare secret") << ConfigFormat::Toml << QByteArray("TOKEN = ghp_secretvalue123\n");
        QTest::newRow("toml secret as a number") << ConfigFormat::Toml << QByteArray("TOKEN = 0xghp_secretvalue123\n");
        QTest::newRow("toml secret as a date") << ConfigFormat::Toml << QByteArray("TOKEN = 1979-05-27Tghp_secretvalue123\n");
        QTest::newRow("toml unterminated secret") << ConfigFormat::Toml << QByteArray("TOKEN = 'ghp_secretvalue123\n");
    }

    void errorsNeverQuoteValues()
    {
        QFETCH(ConfigFormat, format);
        QFETCH(QByteArray, input);

        const auto parsed = parseConfig(format, bytes(input));
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, QStringLiteral("config_syntax"));
        QVERIFY2(parsed.error().message.startsWith(QStringLiteral("line 1, column ")), qPrintable(parsed.error().message));
        QVERIFY2(!parsed.error().message.contains(QStringLiteral("secretvalue")), qPrintable(parsed.error().message));
    }

    void editsThatCannotBeMadeAreRefused_data()
    {
        QTest::addColumn<ConfigFormat>("format");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QStringList>("path");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("message");

        QTest::newRow("json path through a string")
            << ConfigFormat::Json << QByteArray("{\"mcpServers\": \"none\"}") << (QStringList() << "mcpServers" << "keyward")
            << QByteArray("{}") << "cannot set mcpServers.keyward: \"mcpServers\" is not an object";
        QTest::newRow("json path through an array")
            << ConfigFormat::Jsonc << QByteArray("{\"a\": {\"b\": [1]}}") << (QStringList() << "a" << "b" << "c")
            << QByteArray("1") << "cannot set a.b.c: \"b\" is not an object";
        QTest::newRow("json top level is an array") << ConfigFormat::Json << QByteArray("[]") << (QStringList() << "a")
                                                    << QByteArray("1")
                                                    << "cannot set a: the top level of the file is not an object";
        QTest::newRow("json empty path") << ConfigFormat::Json << QByteArray("{}") << QStringList() << QByteArray("1")
                                         << "cannot set a value without a key path";
        QTest::newRow("toml path through a value")
            << ConfigFormat::Toml << QByteArray("mcp_servers = 1\n") << (QStringList() << "mcp_servers" << "keyward")
            << QByteArray("{\"command\": \"k\"}") << "cannot set mcp_servers.keyward: \"mcp_servers\" is not a table";
        QTest::newRow("toml inside an array of tables")
            << ConfigFormat::Toml << QByteArray("[[servers]]\nname = \"a\"\n") << (QStringList() << "servers" << "x")
            << QByteArray("1")
            << "cannot set servers.x: \"servers\" is an array of tables ([[servers]]), which Keyward does not edit";
        QTest::newRow("toml over an array of tables")
            << ConfigFormat::Toml << QByteArray("[[servers]]\nname = \"a\"\n") << (QStringList() << "servers")
            << QByteArray("1") << "cannot set servers: [[servers]] is an array of tables, which Keyward does not edit";
        QTest::newRow("toml null") << ConfigFormat::Toml << QByteArray("") << (QStringList() << "a")
                                   << QByteArray("{\"b\": null}") << "cannot set a: TOML has no null";
        QTest::newRow("toml integer too large") << ConfigFormat::Toml << QByteArray("") << (QStringList() << "a")
                                                << QByteArray("18446744073709551615")
                                                << "cannot set a: an integer does not fit in TOML's 64-bit signed integers";
    }

    void editsThatCannotBeMadeAreRefused()
    {
        QFETCH(ConfigFormat, format);
        QFETCH(QByteArray, input);
        QFETCH(QStringList, path);
        QFETCH(QByteArray, value);
        QFETCH(QString, message);

        const auto edited = setValue(format, bytes(input), keyPath(path), json::parse(bytes(value)));
        QVERIFY(!edited.ok());
        QCOMPARE(edited.error().code, QStringLiteral("edit_failed"));
        QCOMPARE(edited.error().message, message);
    }

    void removingAMissingKeyChangesNothing()
    {
        const std::string jsonText = "{\n  \"a\": {\"b\": 1},\n  \"s\": \"x\"\n}";
        for (const KeyPath &path : {KeyPath{"zz"}, KeyPath{"a", "zz"}, KeyPath{"s", "zz"}, KeyPath{"a", "b", "c"}}) {
            const auto removed = removeValue(ConfigFormat::Json, jsonText, path);
            QVERIFY2(removed.ok(), failure(removed).constData());
            QCOMPARE(removed.value(), jsonText);
        }
        const std::string tomlText = "[[servers]]\nname = \"a\"\n\n[t]\nx = 1\n";
        for (const KeyPath &path : {KeyPath{"zz"}, KeyPath{"t", "zz"}, KeyPath{"servers", "name"}, KeyPath{"t", "x", "y"}}) {
            const auto removed = removeValue(ConfigFormat::Toml, tomlText, path);
            QVERIFY2(removed.ok(), failure(removed).constData());
            QCOMPARE(removed.value(), tomlText);
        }
    }

    void emptyFilesReadAsEmptyDocuments()
    {
        for (const char *empty : {"", "  \n\t\r\n", "\xEF\xBB\xBF"}) {
            for (const ConfigFormat format : {ConfigFormat::Json, ConfigFormat::Jsonc, ConfigFormat::Toml}) {
                const auto parsed = parseConfig(format, empty);
                QVERIFY2(parsed.ok(), failure(parsed).constData());
                QCOMPARE(parsed.value(), json::object());
            }
        }
        const auto commentsOnly = setValue(ConfigFormat::Jsonc, "// settings\n", {"a"}, 1);
        QVERIFY2(commentsOnly.ok(), failure(commentsOnly).constData());
        QCOMPARE(commentsOnly.value(), std::string("// settings\n{\n  \"a\": 1\n}\n"));
        const auto bomOnly = setValue(ConfigFormat::Json, "\xEF\xBB\xBF", {"a"}, 1);
        QVERIFY2(bomOnly.ok(), failure(bomOnly).constData());
        QCOMPARE(bomOnly.value(), std::string("\xEF\xBB\xBF{\n  \"a\": 1\n}\n"));
    }

    void oversizedInputIsRefused()
    {
        std::string big = "{\"a\": \"";
        big.append(16 * 1024 * 1024, 'x');
        big += "\"}";
        const auto parsed = parseConfig(ConfigFormat::Json, big);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, QStringLiteral("config_too_large"));
        const auto set = setValue(ConfigFormat::Toml, big, {"a"}, 1);
        QVERIFY(!set.ok());
        QCOMPARE(set.error().code, QStringLiteral("config_too_large"));
    }

    void aOneMebibyteConfigIsEditedQuickly()
    {
        for (const ConfigFormat format : {ConfigFormat::Json, ConfigFormat::Toml}) {
            std::string big = format == ConfigFormat::Toml ? "" : "{\n  \"mcpServers\": {\n";
            for (int i = 0; big.size() < 1024 * 1024; ++i) {
                const std::string name = "server" + std::to_string(i);
                if (format == ConfigFormat::Toml)
                    big += "[mcp_servers." + name + "]\ncommand = \"npx\"\nargs = [\"-y\", \"@scope/" + name +
                           "\"]\nenv = { TOKEN = \"value\" }\n\n";
                else
                    big += "    \"" + name + "\": {\"command\": \"npx\", \"args\": [\"-y\", \"@scope/" + name +
                           "\"], \"env\": {\"TOKEN\": \"value\"}},\n";
            }
            if (format != ConfigFormat::Toml)
                big += "    \"last\": {}\n  }\n}\n";
            // CPU time of this thread, so a loaded machine does not make the test flaky.
            const double started = threadCpuMs();
            const auto edited = setValue(format, big, {"mcp_servers", "keyward"},
                                         json{{"command", "/usr/bin/keyward"}, {"args", {"mcp"}}});
            const double elapsed = threadCpuMs() - started;
            QVERIFY2(edited.ok(), failure(edited).constData());
            qInfo("setValue on a %zu byte %s file: %.0f ms of CPU", big.size(),
                  format == ConfigFormat::Toml ? "TOML" : "JSON", elapsed);
            // Speed is reported, not asserted (typically 60-90 ms JSON, 120 ms TOML).
        }
    }

private:
    // One row of a removeValue table: the exact output, and removing again changes nothing.
    void checkRemoveValueRow()
    {
        QFETCH(ConfigFormat, format);
        QFETCH(QByteArray, input);
        QFETCH(QStringList, path);
        QFETCH(QByteArray, expected);

        const auto edited = removeValue(format, bytes(input), keyPath(path));
        QVERIFY2(edited.ok(), failure(edited).constData());
        QCOMPARE(text(edited.value()), expected);
        const auto again = removeValue(format, edited.value(), keyPath(path));
        QVERIFY2(again.ok(), failure(again).constData());
        QCOMPARE(text(again.value()), expected);
    }

    // One row of a setValue table: the exact output, the expected document, and idempotence.
    void checkSetValueRow()
    {
        QFETCH(ConfigFormat, format);
        QFETCH(QByteArray, input);
        QFETCH(QStringList, path);
        QFETCH(QByteArray, value);
        QFETCH(QByteArray, expected);

        const json newValue = json::parse(bytes(value));
        const auto edited = setValue(format, bytes(input), keyPath(path), newValue);
        QVERIFY2(edited.ok(), failure(edited).constData());
        QCOMPARE(text(edited.value()), expected);

        // The result holds the old document with only that change.
        const auto before = parseConfig(format, bytes(input));
        const auto after = parseConfig(format, edited.value());
        QVERIFY(before.ok());
        QVERIFY(after.ok());
        QCOMPARE(after.value(), withValue(before.value(), keyPath(path), newValue));

        // Setting the same value again changes nothing.
        const auto again = setValue(format, edited.value(), keyPath(path), newValue);
        QVERIFY2(again.ok(), failure(again).constData());
        QCOMPARE(text(again.value()), expected);
    }
};

QTEST_APPLESS_MAIN(TestConfigEdit)
#include "tst_configedit.moc"
