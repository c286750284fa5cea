#include "tokenizer/ByteLevel.h"

#include "tokenizer/Utf8.h"

namespace lv::bytelevel {

namespace {

struct Tables {
    std::array<std::string, 256> text;
    std::array<char32_t, 256> codepoint{};
    std::array<int, 324> byteOfCodepoint{};
    Tables() {
        byteOfCodepoint.fill(-1);
        // Printable Latin-1 bytes stand for themselves; the other 68 bytes
        // are given the code points from U+0100 upwards, in byte order.
        int next = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable =
                (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const char32_t cp = printable ? static_cast<char32_t>(b) : 256 + next++;
            codepoint[b] = cp;
            byteOfCodepoint[cp] = b;
            utf8::append(text[b], cp);
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

} // namespace

const std::array<std::string, 256>& byteToText() {
    return tables().text;
}

void encode(std::string_view bytes, std::string& out) {
    const auto& text = tables().text;
    for (unsigned char b : bytes)
        out += text[b];
}

int byteOf(char32_t cp) {
    return cp < 324 ? tables().byteOfCodepoint[cp] : -1;
}

bool decode(std::string_view token, std::string& out) {
    std::size_t i = 0;
    while (i < token.size()) {
        char32_t cp = 0;
        if (!utf8::decode(token, i, cp)) return false;
        const int b = byteOf(cp);
        if (b < 0) return false;
        out.push_back(static_cast<char>(b));
    }
    return true;
}

} // namespace lv::bytelevel
