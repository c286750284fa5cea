// A compiled PCRE2 pattern (UTF + Unicode properties, JIT) with the matching
// rules of the Oniguruma regexes that Hugging Face tokenizers use.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

typedef struct pcre2_real_code_8 pcre2_code_8;

namespace lv {

class Regex {
public:
    enum class Syntax { Pattern, Literal };

    // Throws TokenizerError("<where>: invalid regex ...") on a bad pattern.
    Regex(std::string_view pattern, Syntax syntax, const std::string& where);
    ~Regex();
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // Finds the first match in subject at or after byte `from` (a character
    // boundary). subject must be valid UTF-8. Lookbehinds see subject before
    // `from`, as Oniguruma's search does.
    bool find(std::string_view subject, std::size_t from, std::size_t& begin,
              std::size_t& end) const;

    // Calls f(begin, end) for each non-empty, non-overlapping match, left to right.
    template <class F> void forEachMatch(std::string_view subject, F&& f) const {
        std::size_t pos = 0, begin = 0, end = 0;
        while (pos <= subject.size() && find(subject, pos, begin, end)) {
            if (end > begin) {
                f(begin, end);
                pos = end;
            } else {
                // An empty match: step over one character so the scan moves on.
                pos = begin + 1;
                while (pos < subject.size() &&
                       (static_cast<unsigned char>(subject[pos]) & 0xC0) == 0x80)
                    ++pos;
            }
        }
    }

    const std::string& pattern() const { return pattern_; }

private:
    pcre2_code_8* code_ = nullptr;
    bool jit_ = false;
    std::string pattern_;
    std::string where_;
};

// Rewrites a tokenizer.json (Oniguruma) pattern for PCRE2: Oniguruma's \s also
// matches U+0085 (NEXT LINE), which PCRE2's Unicode \s does not, and its \h
// is a hex digit. (Patterns compile with PCRE2_MULTILINE: Oniguruma's ^ and $
// are line anchors.)
std::string onigurumaToPcre2(std::string_view pattern);

} // namespace lv
