#include "tokenizer/Utf8.h"

namespace lv::utf8 {

namespace {

// The second byte's allowed range depends on the lead byte (no overlongs, no
// surrogates, nothing above U+10FFFF): Unicode Table 3-7.
bool secondByteOk(unsigned char lead, unsigned char b) {
    switch (lead) {
    case 0xE0:
        return b >= 0xA0 && b <= 0xBF;
    case 0xED:
        return b >= 0x80 && b <= 0x9F;
    case 0xF0:
        return b >= 0x90 && b <= 0xBF;
    case 0xF4:
        return b >= 0x80 && b <= 0x8F;
    default:
        return b >= 0x80 && b <= 0xBF;
    }
}

int sequenceLength(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

} // namespace

bool decode(std::string_view s, std::size_t& i, char32_t& cp) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const int len = sequenceLength(lead);
    if (len == 1) {
        cp = lead;
        ++i;
        return true;
    }
    if (len == 0) {
        ++i;
        return false;
    }
    char32_t value = lead & (0xFF >> (len + 1));
    std::size_t j = i + 1;
    for (int k = 1; k < len; ++k, ++j) {
        if (j >= s.size()) {
            i = j;
            return false;
        }
        const auto b = static_cast<unsigned char>(s[j]);
        const bool ok = k == 1 ? secondByteOk(lead, b) : (b >= 0x80 && b <= 0xBF);
        if (!ok) {
            i = j;
            return false;
        }
        value = (value << 6) | (b & 0x3F);
    }
    cp = value;
    i = j;
    return true;
}

void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool isValid(std::string_view s) {
    std::size_t i = 0;
    char32_t cp = 0;
    while (i < s.size()) {
        // ASCII runs dominate real text: skip them eight bytes at a time.
        while (i + 8 <= s.size()) {
            unsigned long long word;
            __builtin_memcpy(&word, s.data() + i, 8);
            if (word & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= s.size()) break;
        if (!decode(s, i, cp)) return false;
    }
    return true;
}

std::string repair(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    std::size_t i = 0;
    while (i < s.size()) {
        // Copy ASCII runs eight bytes at a time.
        const std::size_t run = i;
        while (i + 8 <= s.size()) {
            unsigned long long word;
            __builtin_memcpy(&word, s.data() + i, 8);
            if (word & 0x8080808080808080ULL) break;
            i += 8;
        }
        while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80)
            ++i;
        out.append(s.data() + run, i - run);
        if (i >= s.size()) break;
        const std::size_t start = i;
        char32_t cp = 0;
        if (decode(s, i, cp))
            out.append(s.data() + start, i - start);
        else
            append(out, kReplacement);
    }
    return out;
}

bool isWhiteSpace(char32_t cp) {
    switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

namespace {
// Python's str.isspace() also counts the four information separators.
bool isPythonSpace(char32_t cp) {
    return isWhiteSpace(cp) || (cp >= 0x1C && cp <= 0x1F);
}
} // namespace

std::string_view prefix(std::string_view s, std::size_t maxBytes) {
    if (s.size() <= maxBytes) return s;
    std::size_t n = maxBytes; // s[n], the first byte left out, must begin a character
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return s.substr(0, n);
}

std::string_view stripWhitespace(std::string_view s) {
    std::size_t begin = 0;
    while (begin < s.size()) {
        std::size_t i = begin;
        char32_t cp = 0;
        if (!decode(s, i, cp) || !isPythonSpace(cp)) break;
        begin = i;
    }
    std::size_t end = s.size();
    while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
            --start;
        std::size_t i = start;
        char32_t cp = 0;
        if (!decode(s, i, cp) || i != end || !isPythonSpace(cp)) break;
        end = start;
    }
    return s.substr(begin, end - begin);
}

} // namespace lv::utf8
