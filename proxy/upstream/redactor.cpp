#include "upstream/redactor.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

// How it works. Every secret expands into a small set of byte patterns (raw, hex, base64 forms).
// One Aho-Corasick automaton holds them all. It runs over four views of the input: the raw bytes,
// the percent-decoding (`+` as space, and `+` literal) and the JSON-unescaping. A decoder hands the
// automaton decoded bytes, each tagged with the span of input it came from, so a match maps back
// to the input bytes to replace. Matches become input ranges; overlapping ranges merge and each
// merged range is replaced by the marker. A stream releases input only up to the point where no
// later byte can start or extend a range.

namespace keyward {

namespace redactor_detail {

namespace {

using ByteSet = std::array<std::uint64_t, 4>;

bool contains(const ByteSet &set, std::uint8_t b)
{
    return (set[b >> 6] >> (b & 63)) & 1;
}

void insert(ByteSet &set, std::uint8_t b)
{
    set[b >> 6] |= std::uint64_t(1) << (b & 63);
}

template <typename T>
void wipe(std::vector<T> &v)
{
    if (!v.empty())
        sodium_memzero(v.data(), v.size() * sizeof(T));
    v.clear();
    v.shrink_to_fit();
}

constexpr char kBase64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Base64 of `in` without padding: ceil(8n/6) characters, the last one zero-filled.
std::vector<std::uint8_t> base64NoPad(const std::vector<std::uint8_t> &in, const char *alphabet)
{
    std::vector<std::uint8_t> out;
    out.reserve(in.size() * 4 / 3 + 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const std::uint8_t b : in) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(std::uint8_t(alphabet[(acc >> bits) & 63]));
        }
    }
    if (bits > 0)
        out.push_back(std::uint8_t(alphabet[(acc << (6 - bits)) & 63]));
    acc = 0;
    return out;
}

// The characters of `alphabet` whose 6-bit value v satisfies (v & mask) == (value & mask).
ByteSet base64Chars(const char *alphabet, int mask, int value)
{
    ByteSet set{};
    for (int v = 0; v < 64; ++v) {
        if ((v & mask) == (value & mask))
            insert(set, std::uint8_t(alphabet[v]));
    }
    return set;
}

struct PatternSpec {
    std::vector<std::uint8_t> bytes;
    bool hasLeft = false;  // the match extends one decoded byte left when that byte is in `left`
    ByteSet left{};
    bool hasRight = false; // the match extends one decoded byte right when that byte is in `right`
    ByteSet right{};

    bool operator==(const PatternSpec &) const = default;
};

void addBase64Patterns(const std::vector<std::uint8_t> &secret, const char *alphabet, std::vector<PatternSpec> &out)
{
    const int length = int(secret.size());
    for (int k = 0; k < 3; ++k) {
        // k filler bytes, the secret, two filler bytes: every character touching the secret exists.
        std::vector<std::uint8_t> framed(std::size_t(k), 0);
        framed.insert(framed.end(), secret.begin(), secret.end());
        framed.insert(framed.end(), 2, 0);
        std::vector<std::uint8_t> encoded = base64NoPad(framed, alphabet);
        wipe(framed);

        // Character j carries bits [6j, 6j + 6); the secret occupies bits [8k, 8(k + length)).
        const int bitBegin = 8 * k;
        const int bitEnd = 8 * (k + length);
        const int first = (bitBegin + 5) / 6; // first character fully inside the secret
        const int last = bitEnd / 6 - 1;      // last character fully inside the secret
        if (last >= first) {
            PatternSpec spec;
            spec.bytes.assign(encoded.begin() + first, encoded.begin() + last + 1);
            if (first > 0 && 6 * first > bitBegin) {
                const int secretBits = 6 * first - bitBegin; // low bits of character first - 1
                const int mask = (1 << secretBits) - 1;
                spec.hasLeft = true;
                spec.left = base64Chars(alphabet, mask, int(std::string_view(alphabet).find(char(encoded[first - 1]))));
            }
            if (6 * (last + 1) < bitEnd) {
                const int secretBits = bitEnd - 6 * (last + 1); // high bits of character last + 1
                const int mask = ((1 << secretBits) - 1) << (6 - secretBits);
                spec.hasRight = true;
                spec.right = base64Chars(alphabet, mask, int(std::string_view(alphabet).find(char(encoded[last + 1]))));
            }
            out.push_back(std::move(spec));
        }
        // The standalone padded form, so that the padding goes too.
        if (k == 0 && length % 3 != 0) {
            PatternSpec spec;
            spec.bytes.assign(encoded.begin(), encoded.begin() + (8 * length + 5) / 6);
            spec.bytes.insert(spec.bytes.end(), std::size_t(length % 3 == 1 ? 2 : 1), std::uint8_t('='));
            out.push_back(std::move(spec));
        }
        wipe(encoded);
    }
}

std::vector<PatternSpec> patternsFor(const QList<QByteArray> &secrets)
{
    std::vector<PatternSpec> all;
    for (const QByteArray &secretBytes : secrets) {
        if (secretBytes.isEmpty())
            continue;
        std::vector<std::uint8_t> secret(secretBytes.begin(), secretBytes.end());
        all.push_back(PatternSpec{secret});
        for (const char *digits : {"0123456789abcdef", "0123456789ABCDEF"}) {
            PatternSpec hex;
            for (const std::uint8_t b : secret) {
                hex.bytes.push_back(std::uint8_t(digits[b >> 4]));
                hex.bytes.push_back(std::uint8_t(digits[b & 15]));
            }
            all.push_back(std::move(hex));
        }
        addBase64Patterns(secret, kBase64Std, all);
        addBase64Patterns(secret, kBase64Url, all);
        wipe(secret);
    }
    std::vector<PatternSpec> unique;
    for (PatternSpec &spec : all) {
        if (std::find(unique.begin(), unique.end(), spec) == unique.end())
            unique.push_back(std::move(spec));
    }
    for (PatternSpec &spec : all)
        wipe(spec.bytes);
    return unique;
}

} // namespace

struct PatternInfo {
    int length = 0;
    int left = -1;  // index into Engine::m_edgeSets, -1 without a left edge
    int right = -1; // same for the right edge
};

// The compiled automaton. Immutable once built; shared by every copy of a Redactor and its streams.
class Engine {
public:
    explicit Engine(const QList<QByteArray> &secrets);
    ~Engine();
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;

    bool empty() const { return m_patterns.empty(); }

    int step(int state, std::uint8_t c) const
    {
        return state < m_denseCount ? m_dense[std::size_t(state) * 256 + c] : stepSparse(state, c);
    }

    int stepSparse(int state, std::uint8_t c) const
    {
        while (state >= m_denseCount) {
            const int sparse = state - m_denseCount;
            for (int i = m_edgeBegin[std::size_t(sparse)], e = m_edgeBegin[std::size_t(sparse) + 1]; i < e; ++i) {
                if (m_edges[std::size_t(i)].byte == c)
                    return m_edges[std::size_t(i)].target;
            }
            state = m_fail[std::size_t(state)];
        }
        return m_dense[std::size_t(state) * 256 + c];
    }

    bool hasOutput(int state) const { return m_hasOutput[std::size_t(state)] != 0; }

    // For the hot loop: states below quietLimit() have a dense row and no output.
    int denseCount() const { return m_denseCount; }
    const int *denseTable() const { return m_dense.data(); }
    int quietLimit() const { return m_quietLimit; }
    // rootStays()[c] is 1 when byte c leads from the root back to the root.
    const std::uint8_t *rootStays() const { return m_rootStays.data(); }

    // Calls f(pattern) for every pattern that ends at `state`.
    template <typename F>
    void forEachOutput(int state, F &&f) const
    {
        int t = m_outEnd[std::size_t(state)] > m_outBegin[std::size_t(state)] ? state : m_dict[std::size_t(state)];
        while (t >= 0) {
            for (int i = m_outBegin[std::size_t(t)]; i < m_outEnd[std::size_t(t)]; ++i)
                f(m_patterns[std::size_t(m_outPatterns[std::size_t(i)])]);
            t = m_dict[std::size_t(t)];
        }
    }

    const ByteSet &edgeSet(int index) const { return m_edgeSets[std::size_t(index)]; }

    // What a stream must hold back in `state`: the longest suffix of the bytes read that is a
    // proper prefix of some pattern is holdDepth(state) bytes long (no later match can start
    // earlier), and when holdLeft(state) >= 0 the byte before that suffix is part of a later match
    // too if it is in holdSet(holdLeft(state)), the left edges of the patterns with that prefix.
    int holdDepth(int state) const { return m_holdDepth[std::size_t(state)]; }
    int holdLeft(int state) const { return m_holdLeft[std::size_t(state)]; }
    const ByteSet &holdSet(int index) const { return m_holdSets[std::size_t(index)]; }

    int maxSpan() const { return m_maxSpan; }

private:
    struct Edge {
        std::uint8_t byte;
        int target;
    };

    // The first m_denseCount states (breadth-first order, so the shallow ones where scanning
    // spends its time) have a full transition row; deeper ones keep their trie edges and a
    // failure link.
    int m_denseCount = 0;
    int m_quietLimit = 0;
    std::array<std::uint8_t, 256> m_rootStays{};
    std::vector<int> m_dense;
    std::vector<int> m_edgeBegin; // per sparse state, into m_edges; one extra entry at the end
    std::vector<Edge> m_edges;
    std::vector<int> m_fail;
    std::vector<int> m_outBegin, m_outEnd; // per state, into m_outPatterns: patterns ending exactly here
    std::vector<int> m_outPatterns;
    std::vector<int> m_dict;              // nearest proper suffix state with patterns, or -1
    std::vector<std::uint8_t> m_hasOutput;
    std::vector<PatternInfo> m_patterns;
    std::vector<ByteSet> m_edgeSets;
    std::vector<int> m_holdDepth; // per state, see holdDepth()
    std::vector<int> m_holdLeft;  // per state, into m_holdSets or -1
    std::vector<ByteSet> m_holdSets;
    int m_maxSpan = 0;
};

Engine::Engine(const QList<QByteArray> &secrets)
{
    std::vector<PatternSpec> specs = patternsFor(secrets);

    // Trie in flat arrays (most nodes have one child), ids in insertion order.
    std::vector<std::uint8_t> nodeByte(1, 0);
    std::vector<int> firstChild(1, -1), nextSibling(1, -1), ownHead(1, -1);
    std::vector<int> ownNext(specs.size(), -1); // patterns ending at the same node, linked
    // Per node, the left edges of the patterns that pass through it and go on (it is a proper
    // prefix of them).
    std::vector<ByteSet> leftBeyond(1);
    std::vector<std::uint8_t> hasLeftBeyond(1, 0);
    auto child = [&](int node, std::uint8_t c) {
        for (int v = firstChild[std::size_t(node)]; v >= 0; v = nextSibling[std::size_t(v)]) {
            if (nodeByte[std::size_t(v)] == c)
                return v;
        }
        return -1;
    };
    for (std::size_t p = 0; p < specs.size(); ++p) {
        const PatternSpec &spec = specs[p];
        PatternInfo info;
        info.length = int(spec.bytes.size());
        if (spec.hasLeft) {
            info.left = int(m_edgeSets.size());
            m_edgeSets.push_back(spec.left);
        }
        if (spec.hasRight) {
            info.right = int(m_edgeSets.size());
            m_edgeSets.push_back(spec.right);
        }
        m_maxSpan = std::max(m_maxSpan, info.length + (spec.hasLeft ? 1 : 0) + (spec.hasRight ? 1 : 0));
        m_patterns.push_back(info);

        int node = 0;
        for (const std::uint8_t c : spec.bytes) {
            if (spec.hasLeft) {
                hasLeftBeyond[std::size_t(node)] = 1;
                for (std::size_t w = 0; w < spec.left.size(); ++w)
                    leftBeyond[std::size_t(node)][w] |= spec.left[w];
            }
            int next = child(node, c);
            if (next < 0) {
                next = int(nodeByte.size());
                nodeByte.push_back(c);
                firstChild.push_back(-1);
                nextSibling.push_back(firstChild[std::size_t(node)]);
                ownHead.push_back(-1);
                leftBeyond.emplace_back();
                hasLeftBeyond.push_back(0);
                firstChild[std::size_t(node)] = next;
            }
            node = next;
        }
        ownNext[p] = ownHead[std::size_t(node)];
        ownHead[std::size_t(node)] = int(p);
    }
    for (PatternSpec &spec : specs) {
        wipe(spec.bytes);
        sodium_memzero(spec.left.data(), sizeof(spec.left));
        sodium_memzero(spec.right.data(), sizeof(spec.right));
    }
    if (m_patterns.empty()) {
        wipe(leftBeyond);
        return;
    }

    // Breadth-first order, failure links and dictionary links (old ids).
    const std::size_t count = nodeByte.size();
    std::vector<int> order;
    order.reserve(count);
    order.push_back(0);
    std::vector<int> fail(count, 0), dict(count, -1), depth(count, 0);
    for (std::size_t i = 0; i < order.size(); ++i) {
        const int u = order[i];
        for (int v = firstChild[std::size_t(u)]; v >= 0; v = nextSibling[std::size_t(v)]) {
            const std::uint8_t c = nodeByte[std::size_t(v)];
            order.push_back(v);
            depth[std::size_t(v)] = depth[std::size_t(u)] + 1;
            int f = 0;
            if (u != 0) {
                int g = fail[std::size_t(u)];
                for (;;) {
                    const int next = child(g, c);
                    if (next >= 0) {
                        f = next;
                        break;
                    }
                    if (g == 0)
                        break;
                    g = fail[std::size_t(g)];
                }
            }
            fail[std::size_t(v)] = f;
            dict[std::size_t(v)] = ownHead[std::size_t(f)] >= 0 ? f : dict[std::size_t(f)];
        }
    }

    std::vector<int> newId(count);
    for (std::size_t i = 0; i < count; ++i)
        newId[std::size_t(order[i])] = int(i);

    constexpr int kMaxDenseStates = 1024;
    constexpr int kMaxDenseDepth = 8;
    while (m_denseCount < int(count) && m_denseCount < kMaxDenseStates && depth[std::size_t(order[std::size_t(m_denseCount)])] <= kMaxDenseDepth)
        ++m_denseCount;

    m_dense.assign(std::size_t(m_denseCount) * 256, 0);
    for (int s = 0; s < m_denseCount; ++s) {
        const int old = order[std::size_t(s)];
        int *row = m_dense.data() + std::size_t(s) * 256;
        if (s > 0) {
            // The failure state is shallower, hence earlier in breadth-first order and dense.
            const int *failRow = m_dense.data() + std::size_t(newId[std::size_t(fail[std::size_t(old)])]) * 256;
            std::copy(failRow, failRow + 256, row);
        }
        for (int v = firstChild[std::size_t(old)]; v >= 0; v = nextSibling[std::size_t(v)])
            row[nodeByte[std::size_t(v)]] = newId[std::size_t(v)];
    }
    m_edgeBegin.reserve(count - std::size_t(m_denseCount) + 1);
    for (std::size_t s = std::size_t(m_denseCount); s < count; ++s) {
        m_edgeBegin.push_back(int(m_edges.size()));
        for (int v = firstChild[std::size_t(order[s])]; v >= 0; v = nextSibling[std::size_t(v)])
            m_edges.push_back(Edge{nodeByte[std::size_t(v)], newId[std::size_t(v)]});
    }
    m_edgeBegin.push_back(int(m_edges.size()));

    m_fail.resize(count);
    m_dict.resize(count);
    m_outBegin.resize(count);
    m_outEnd.resize(count);
    m_hasOutput.resize(count);
    for (std::size_t s = 0; s < count; ++s) {
        const int old = order[s];
        m_fail[s] = newId[std::size_t(fail[std::size_t(old)])];
        m_dict[s] = dict[std::size_t(old)] >= 0 ? newId[std::size_t(dict[std::size_t(old)])] : -1;
        m_outBegin[s] = int(m_outPatterns.size());
        for (int p = ownHead[std::size_t(old)]; p >= 0; p = ownNext[std::size_t(p)])
            m_outPatterns.push_back(p);
        m_outEnd[s] = int(m_outPatterns.size());
        m_hasOutput[s] = (m_outEnd[s] > m_outBegin[s] || m_dict[s] >= 0) ? 1 : 0;
    }
    // The hold-back of a state is that of the nearest state on its failure chain that is a proper
    // prefix (has a child); failure states come earlier in breadth-first order.
    std::vector<int> holdNode(count, 0);
    m_holdDepth.resize(count);
    m_holdLeft.resize(count);
    for (std::size_t s = 0; s < count; ++s) {
        const int old = order[s];
        const int h = firstChild[std::size_t(old)] >= 0 ? old : holdNode[std::size_t(fail[std::size_t(old)])];
        holdNode[std::size_t(old)] = h;
        m_holdDepth[s] = depth[std::size_t(h)];
        m_holdLeft[s] = -1;
        if (hasLeftBeyond[std::size_t(h)]) {
            const ByteSet &set = leftBeyond[std::size_t(h)];
            auto known = std::find(m_holdSets.begin(), m_holdSets.end(), set);
            if (known == m_holdSets.end())
                known = m_holdSets.insert(m_holdSets.end(), set);
            m_holdLeft[s] = int(known - m_holdSets.begin());
        }
    }
    wipe(leftBeyond);

    for (int c = 0; c < 256; ++c)
        m_rootStays[std::size_t(c)] = m_dense[std::size_t(c)] == 0 ? 1 : 0;
    m_quietLimit = 0;
    while (m_quietLimit < m_denseCount && !m_hasOutput[std::size_t(m_quietLimit)])
        ++m_quietLimit;

    wipe(nodeByte);
}

Engine::~Engine()
{
    wipe(m_dense);
    wipe(m_edges);
    wipe(m_edgeSets);
    wipe(m_holdSets);
}

namespace {

struct Range {
    qint64 begin;
    qint64 end;
};

struct PendingMatch {
    qint64 begin;
    qint64 end;
    int rightEdge;
};

int hexValue(std::uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

// One decoded view of the input: decoder state, automaton state and a ring of the last decoded
// bytes with the input offset each one starts at.
struct View {
    enum Kind { Raw, PercentForm, PercentPlain, Json };

    Kind kind = Raw;
    int state = 0;
    qint64 decoded = 0;   // decoded bytes so far (counting those skipped over)
    qint64 validFrom = 0; // the ring and the automaton state cover decoded bytes from here on
    qint64 lastDecoded = -1; // decoded count after the last byte that came through the decoder
    std::vector<qint64> ringStart;
    std::vector<std::uint8_t> ringByte;
    std::size_t ringMask = 0;
    std::vector<PendingMatch> pendingRight;

    // Decoder: 0 idle; percent: 1 after '%', 2 after '%' and a hex digit; JSON: 1 after '\',
    // 2 inside \u with pendLen digits read.
    int dec = 0;
    qint64 pendStart = 0;
    std::uint8_t pend[4] = {};
    int pendLen = 0;
    std::uint32_t unit = 0;
    bool haveHigh = false; // JSON: a high surrogate waiting for its low half
    std::uint32_t high = 0;
    qint64 highStart = 0;
    qint64 highEnd = 0;
};

struct Scanner {
    explicit Scanner(const Engine &engine);
    ~Scanner();

    void feed(const std::uint8_t *data, qint64 size, qint64 base);
    // End of input: flushes cut-off escapes and commits matches waiting for a right edge.
    void finish();
    // Input offset before which no match can begin any more.
    qint64 safeBoundary(qint64 total) const;
    void reset();

    const Engine &engine;
    std::array<View, 4> views;
    std::vector<Range> ranges; // matches found and not yet released, in input offsets

private:
    void push(View &v, std::uint8_t byte, qint64 start, qint64 end);
    void report(View &v, qint64 end);
    void emitJson(View &v, std::uint8_t byte, qint64 start, qint64 end);
    void pushCodePoint(View &v, std::uint32_t cp, qint64 start, qint64 end);
    void flushHigh(View &v);
    void jsonUnit(View &v, std::uint32_t unit, qint64 start, qint64 end);
    void pushLiterals(View &v, const std::uint8_t *data, qint64 from, qint64 to, qint64 base);
    void feedView(View &v, const std::uint8_t *data, qint64 size, qint64 base);
    void percentByte(View &v, std::uint8_t b, qint64 pos);
    void jsonByte(View &v, std::uint8_t b, qint64 pos);
};

Scanner::Scanner(const Engine &e) : engine(e)
{
    std::size_t capacity = 1;
    while (capacity < std::size_t(engine.maxSpan()) + 2)
        capacity <<= 1;
    const View::Kind kinds[] = {View::Raw, View::PercentForm, View::PercentPlain, View::Json};
    for (std::size_t i = 0; i < views.size(); ++i) {
        views[i].kind = kinds[i];
        views[i].ringStart.assign(capacity, 0);
        views[i].ringByte.assign(capacity, 0);
        views[i].ringMask = capacity - 1;
    }
}

Scanner::~Scanner()
{
    for (View &v : views)
        wipe(v.ringByte);
}

void Scanner::reset()
{
    for (View &v : views) {
        View fresh;
        fresh.kind = v.kind;
        fresh.ringStart = std::move(v.ringStart);
        fresh.ringByte = std::move(v.ringByte);
        fresh.ringMask = v.ringMask;
        v = std::move(fresh);
    }
    ranges.clear();
}

inline void Scanner::push(View &v, std::uint8_t byte, qint64 start, qint64 end)
{
    if (!v.pendingRight.empty()) [[unlikely]] {
        for (const PendingMatch &m : v.pendingRight)
            ranges.push_back({m.begin, contains(engine.edgeSet(m.rightEdge), byte) ? end : m.end});
        v.pendingRight.clear();
    }
    const std::size_t slot = std::size_t(v.decoded) & v.ringMask;
    v.ringStart[slot] = start;
    v.ringByte[slot] = byte;
    ++v.decoded;
    v.state = engine.step(v.state, byte);
    if (engine.hasOutput(v.state)) [[unlikely]]
        report(v, end);
}

void Scanner::report(View &v, qint64 end)
{
    engine.forEachOutput(v.state, [&](const PatternInfo &p) {
        const qint64 first = v.decoded - p.length;
        qint64 begin = v.ringStart[std::size_t(first) & v.ringMask];
        if (p.left >= 0 && first > v.validFrom) {
            const std::size_t slot = std::size_t(first - 1) & v.ringMask;
            if (contains(engine.edgeSet(p.left), v.ringByte[slot]))
                begin = v.ringStart[slot];
        }
        if (p.right >= 0)
            v.pendingRight.push_back({begin, end, p.right});
        else
            ranges.push_back({begin, end});
    });
}

// Pushes data[from, to) as literal decoded bytes, each its own input byte. The hot loop.
void Scanner::pushLiterals(View &v, const std::uint8_t *data, qint64 from, qint64 to, qint64 base)
{
    qint64 i = from;
    while (i < to) {
        if (!v.pendingRight.empty()) {
            push(v, data[i], base + i, base + i + 1);
            ++i;
            continue;
        }
        // Everything the loop reads lives in locals: the byte stores into the ring may alias
        // anything, and would otherwise force a reload of each pointer on every byte.
        int state = v.state;
        qint64 decoded = v.decoded;
        qint64 *const ringStart = v.ringStart.data();
        std::uint8_t *const ringByte = v.ringByte.data();
        const std::size_t mask = v.ringMask;
        const int *const dense = engine.denseTable();
        const int denseCount = engine.denseCount();
        const int quiet = engine.quietLimit();
        const std::uint8_t *const rootStays = engine.rootStays();
        const qint64 ringSize = qint64(mask) + 1;
        bool hit = false;
        for (; i < to; ++i) {
            if (state == 0) {
                // At the root most bytes lead back to it: skip them without walking the
                // automaton, and keep only the last ringSize of them in the ring.
                qint64 j = i;
                while (j < to && rootStays[data[j]])
                    ++j;
                if (j > i) {
                    const qint64 from = std::max(i, j - ringSize);
                    decoded += from - i;
                    for (qint64 k = from; k < j; ++k) {
                        const std::size_t slot = std::size_t(decoded) & mask;
                        ringStart[slot] = base + k;
                        ringByte[slot] = data[k];
                        ++decoded;
                    }
                    i = j;
                    if (i == to)
                        break;
                }
            }
            const std::uint8_t c = data[i];
            const std::size_t slot = std::size_t(decoded) & mask;
            ringStart[slot] = base + i;
            ringByte[slot] = c;
            ++decoded;
            state = state < denseCount ? dense[std::size_t(state) * 256 + c] : engine.stepSparse(state, c);
            if (state >= quiet && engine.hasOutput(state)) [[unlikely]] {
                hit = true;
                break;
            }
        }
        v.state = state;
        v.decoded = decoded;
        if (hit) {
            report(v, base + i + 1);
            ++i;
        }
    }
}

namespace {

// Next position of `c` in data[from, size), or size; remembers its answer so that a byte that
// never occurs is looked for once per chunk, not once per call.
struct NextByte {
    std::uint8_t c;
    qint64 next = -1;

    qint64 find(const std::uint8_t *data, qint64 from, qint64 size)
    {
        if (next < from) {
            const void *hit = std::memchr(data + from, c, std::size_t(size - from));
            next = hit ? static_cast<const std::uint8_t *>(hit) - data : size;
        }
        return next;
    }
};

} // namespace

// Literal stretches go through pushLiterals; only the bytes that start or continue an escape go
// through the decoder. A decoded view finds what the raw view cannot only in matches that hold a
// decoded escape, and such a match lies within maxSpan decoded bytes of it. So the literal bytes
// more than maxSpan after the last escape and more than maxSpan before the next one are skipped:
// the automaton restarts maxSpan bytes before the next escape, which is enough to be in the right
// state when it gets there. What is skipped is all literal, and the raw view finds it.
void Scanner::feedView(View &v, const std::uint8_t *data, qint64 size, qint64 base)
{
    if (v.kind == View::Raw) {
        pushLiterals(v, data, 0, size, base);
        return;
    }
    NextByte first{v.kind == View::Json ? std::uint8_t('\\') : std::uint8_t('%')};
    NextByte second{std::uint8_t('+')};
    const bool plusIsSpecial = v.kind == View::PercentForm;
    const qint64 rerun = engine.maxSpan();
    qint64 i = 0;
    while (i < size) {
        const bool idle = v.dec == 0 && !v.haveHigh;
        if (idle) {
            qint64 special = first.find(data, i, size);
            if (plusIsSpecial)
                special = std::min(special, second.find(data, i, size));
            const qint64 skipFrom = v.lastDecoded < 0 ? i : i + std::max<qint64>(0, v.lastDecoded + rerun - v.decoded);
            const qint64 resume = special - rerun;
            if (resume > skipFrom) {
                pushLiterals(v, data, i, skipFrom, base);
                if (v.pendingRight.empty()) {
                    v.decoded += resume - skipFrom;
                    v.validFrom = v.decoded;
                    v.state = 0;
                    i = resume;
                } else {
                    i = skipFrom;
                }
            }
            pushLiterals(v, data, i, special, base);
            i = special;
            if (i >= size)
                break;
        }
        if (v.kind == View::Json)
            jsonByte(v, data[i], base + i);
        else
            percentByte(v, data[i], base + i);
        v.lastDecoded = v.decoded;
        ++i;
    }
}

void Scanner::percentByte(View &v, std::uint8_t b, qint64 pos)
{
    const bool plusIsSpace = v.kind == View::PercentForm;
    for (;;) {
        if (v.dec == 0) {
            if (b == '%') {
                v.dec = 1;
                v.pendStart = pos;
            } else {
                push(v, plusIsSpace && b == '+' ? std::uint8_t(' ') : b, pos, pos + 1);
            }
            return;
        }
        const int value = hexValue(b);
        if (v.dec == 1) {
            if (value >= 0) {
                v.pend[0] = b;
                v.dec = 2;
                return;
            }
            v.dec = 0;
            push(v, '%', v.pendStart, v.pendStart + 1);
            continue; // b again, from idle
        }
        v.dec = 0;
        if (value >= 0) {
            push(v, std::uint8_t(hexValue(v.pend[0]) * 16 + value), v.pendStart, pos + 1);
            return;
        }
        push(v, '%', v.pendStart, v.pendStart + 1);
        push(v, v.pend[0], v.pendStart + 1, v.pendStart + 2);
    }
}

void Scanner::emitJson(View &v, std::uint8_t byte, qint64 start, qint64 end)
{
    if (v.haveHigh)
        flushHigh(v);
    push(v, byte, start, end);
}

void Scanner::pushCodePoint(View &v, std::uint32_t cp, qint64 start, qint64 end)
{
    // UTF-8; a lone surrogate comes out as its three-byte form (WTF-8).
    if (cp < 0x80) {
        push(v, std::uint8_t(cp), start, end);
    } else if (cp < 0x800) {
        push(v, std::uint8_t(0xC0 | (cp >> 6)), start, end);
        push(v, std::uint8_t(0x80 | (cp & 0x3F)), start, end);
    } else if (cp < 0x10000) {
        push(v, std::uint8_t(0xE0 | (cp >> 12)), start, end);
        push(v, std::uint8_t(0x80 | ((cp >> 6) & 0x3F)), start, end);
        push(v, std::uint8_t(0x80 | (cp & 0x3F)), start, end);
    } else {
        push(v, std::uint8_t(0xF0 | (cp >> 18)), start, end);
        push(v, std::uint8_t(0x80 | ((cp >> 12) & 0x3F)), start, end);
        push(v, std::uint8_t(0x80 | ((cp >> 6) & 0x3F)), start, end);
        push(v, std::uint8_t(0x80 | (cp & 0x3F)), start, end);
    }
}

void Scanner::flushHigh(View &v)
{
    v.haveHigh = false;
    pushCodePoint(v, v.high, v.highStart, v.highEnd);
}

void Scanner::jsonUnit(View &v, std::uint32_t unit, qint64 start, qint64 end)
{
    if (v.haveHigh) {
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
            v.haveHigh = false;
            pushCodePoint(v, 0x10000 + ((v.high - 0xD800) << 10) + (unit - 0xDC00), v.highStart, end);
            return;
        }
        flushHigh(v);
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
        v.haveHigh = true;
        v.high = unit;
        v.highStart = start;
        v.highEnd = end;
        return;
    }
    pushCodePoint(v, unit, start, end);
}

void Scanner::jsonByte(View &v, std::uint8_t b, qint64 pos)
{
    for (;;) {
        if (v.dec == 0) {
            if (b == '\\') {
                v.dec = 1;
                v.pendStart = pos;
            } else {
                emitJson(v, b, pos, pos + 1);
            }
            return;
        }
        if (v.dec == 1) {
            std::uint8_t out = 0;
            switch (b) {
            case '"':
            case '\\':
            case '/': out = b; break;
            case 'b': out = '\b'; break;
            case 'f': out = '\f'; break;
            case 'n': out = '\n'; break;
            case 'r': out = '\r'; break;
            case 't': out = '\t'; break;
            case 'u':
                v.dec = 2;
                v.pendLen = 0;
                v.unit = 0;
                return;
            default: break;
            }
            v.dec = 0;
            if (out != 0) {
                emitJson(v, out, v.pendStart, pos + 1);
                return;
            }
            emitJson(v, '\\', v.pendStart, v.pendStart + 1);
            continue; // b again, from idle
        }
        const int value = hexValue(b);
        if (value >= 0) {
            v.unit = v.unit * 16 + std::uint32_t(value);
            v.pend[v.pendLen++] = b;
            if (v.pendLen == 4) {
                v.dec = 0;
                jsonUnit(v, v.unit, v.pendStart, pos + 1);
            }
            return;
        }
        v.dec = 0;
        emitJson(v, '\\', v.pendStart, v.pendStart + 1);
        emitJson(v, 'u', v.pendStart + 1, v.pendStart + 2);
        for (int j = 0; j < v.pendLen; ++j)
            emitJson(v, v.pend[j], v.pendStart + 2 + j, v.pendStart + 3 + j);
    }
}

void Scanner::feed(const std::uint8_t *data, qint64 size, qint64 base)
{
    for (View &v : views)
        feedView(v, data, size, base);
}

void Scanner::finish()
{
    for (View &v : views) {
        // An escape cut short by the end of input stands for itself.
        if (v.kind == View::PercentForm || v.kind == View::PercentPlain) {
            if (v.dec >= 1)
                push(v, '%', v.pendStart, v.pendStart + 1);
            if (v.dec == 2)
                push(v, v.pend[0], v.pendStart + 1, v.pendStart + 2);
        } else if (v.kind == View::Json) {
            if (v.dec >= 1)
                emitJson(v, '\\', v.pendStart, v.pendStart + 1);
            if (v.dec == 2) {
                emitJson(v, 'u', v.pendStart + 1, v.pendStart + 2);
                for (int j = 0; j < v.pendLen; ++j)
                    emitJson(v, v.pend[j], v.pendStart + 2 + j, v.pendStart + 3 + j);
            }
            if (v.haveHigh)
                flushHigh(v);
        }
        v.dec = 0;
        // Nothing follows: a match waiting for its right edge ends where it is.
        for (const PendingMatch &m : v.pendingRight)
            ranges.push_back({m.begin, m.end});
        v.pendingRight.clear();
    }
}

qint64 Scanner::safeBoundary(qint64 total) const
{
    qint64 safe = total;
    for (const View &v : views) {
        // Input not yet decoded starts at the pending escape (or surrogate), else at `total`.
        if (v.haveHigh)
            safe = std::min(safe, v.highStart);
        else if (v.dec != 0)
            safe = std::min(safe, v.pendStart);
        // A match still to come ends with a byte not decoded yet, so the decoded bytes it holds so
        // far are a suffix that is a proper prefix of its pattern, at most holdDepth long, plus
        // its left edge byte. A decoded view that skips literal bytes restarts the automaton
        // (validFrom) at least maxSpan bytes before the end of the feed, more than holdDepth + 1,
        // so the state and the ring cover them.
        qint64 first = v.decoded - engine.holdDepth(v.state);
        const int left = engine.holdLeft(v.state);
        if (left >= 0 && first > v.validFrom
            && contains(engine.holdSet(left), v.ringByte[std::size_t(first - 1) & v.ringMask]))
            --first;
        Q_ASSERT(first >= v.validFrom);
        if (first < v.decoded)
            safe = std::min(safe, v.ringStart[std::size_t(first) & v.ringMask]);
        for (const PendingMatch &m : v.pendingRight)
            safe = std::min(safe, m.begin);
    }
    return safe;
}

} // namespace redactor_detail

using redactor_detail::Engine;
using redactor_detail::Range;
using redactor_detail::Scanner;

Redactor::Redactor() = default;

Redactor::Redactor(const QList<QByteArray> &secrets, const QString &service)
    : m_replacement("[REDACTED:" + service.toUtf8() + ']')
{
    auto engine = std::make_shared<const Engine>(secrets);
    if (!engine->empty())
        m_engine = std::move(engine);
}

QByteArray Redactor::redact(const QByteArray &data) const
{
    if (!m_engine)
        return data;
    Stream s = stream();
    QByteArray out = s.feed(data);
    out += s.finish();
    return out;
}

bool Redactor::containsSecret(const QByteArray &data) const
{
    if (!m_engine)
        return false;
    Scanner scanner(*m_engine);
    scanner.feed(reinterpret_cast<const std::uint8_t *>(data.constData()), data.size(), 0);
    if (!scanner.ranges.empty())
        return true;
    scanner.finish();
    return !scanner.ranges.empty();
}

Redactor::Stream Redactor::stream() const
{
    return Stream(m_engine, m_replacement);
}

qsizetype Redactor::longestPattern() const
{
    return m_engine ? m_engine->maxSpan() : 0;
}

qsizetype Redactor::longestEncodedLength() const
{
    return 6 * longestPattern();
}

Redactor::Stream::Stream(std::shared_ptr<const Engine> engine, QByteArray replacement)
    : m_engine(std::move(engine)), m_replacement(std::move(replacement))
{
    if (m_engine)
        m_scanner = std::make_unique<Scanner>(*m_engine);
}

Redactor::Stream::~Stream() = default;
Redactor::Stream::Stream(Stream &&) noexcept = default;
Redactor::Stream &Redactor::Stream::operator=(Stream &&) noexcept = default;

qsizetype Redactor::Stream::heldBack() const
{
    return m_pending.size();
}

QByteArray Redactor::Stream::feed(const QByteArray &chunk)
{
    if (!m_scanner)
        return chunk;
    m_scanner->feed(reinterpret_cast<const std::uint8_t *>(chunk.constData()), chunk.size(),
                    m_pendingStart + m_pending.size());
    m_pending += chunk;
    return release(false);
}

QByteArray Redactor::Stream::finish()
{
    if (!m_scanner)
        return {};
    m_scanner->finish();
    QByteArray out = release(true);
    m_scanner->reset();
    m_pending.clear();
    m_pendingStart = 0;
    return out;
}

QByteArray Redactor::Stream::release(bool final)
{
    const qint64 total = m_pendingStart + m_pending.size();
    const qint64 safe = final ? total : m_scanner->safeBoundary(total);

    // Merge overlapping ranges; a merged range is final once nothing after `safe` can touch it.
    std::vector<Range> &ranges = m_scanner->ranges;
    std::sort(ranges.begin(), ranges.end(), [](const Range &a, const Range &b) {
        return a.begin < b.begin || (a.begin == b.begin && a.end > b.end);
    });
    std::vector<Range> merged;
    for (const Range &r : ranges) {
        if (!merged.empty() && r.begin < merged.back().end)
            merged.back().end = std::max(merged.back().end, r.end);
        else
            merged.push_back(r);
    }

    qint64 cut = safe;
    std::size_t done = 0;
    while (done < merged.size() && merged[done].end <= safe)
        ++done;
    if (done < merged.size())
        cut = std::min(cut, merged[done].begin);

    QByteArray out;
    qint64 pos = m_pendingStart;
    const char *base = m_pending.constData() - m_pendingStart;
    for (std::size_t i = 0; i < done; ++i) {
        // A range never reaches back into released input (the safe boundary guarantees it).
        Q_ASSERT(merged[i].begin >= pos);
        out.append(base + pos, std::max<qint64>(0, merged[i].begin - pos));
        out.append(m_replacement);
        pos = merged[i].end;
    }
    if (cut > pos)
        out.append(base + pos, cut - pos);
    m_pending.remove(0, cut - m_pendingStart);
    m_pendingStart = cut;
    ranges.assign(merged.begin() + qsizetype(done), merged.end());
    return out;
}

} // namespace keyward
