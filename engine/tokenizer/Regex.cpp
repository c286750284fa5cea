#include "tokenizer/Regex.h"

#include "tokenizer/Tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace lv {

namespace {

std::string pcre2Message(int code) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(code, buffer, sizeof buffer);
    return reinterpret_cast<const char*>(buffer);
}

// Per-thread match state: one ovector pair is enough (only the whole match is
// read), and a JIT stack larger than the default so that long runs of one
// character class cannot exhaust it.
struct ThreadMatchState {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* stack = nullptr;
    ThreadMatchState() {
        data = pcre2_match_data_create(1, nullptr);
        context = pcre2_match_context_create(nullptr);
        stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
        if (context && stack) pcre2_jit_stack_assign(context, nullptr, stack);
    }
    ~ThreadMatchState() {
        pcre2_jit_stack_free(stack);
        pcre2_match_context_free(context);
        pcre2_match_data_free(data);
    }
};

ThreadMatchState& threadState() {
    thread_local ThreadMatchState state;
    return state;
}

} // namespace

std::string onigurumaToPcre2(std::string_view p) {
    std::string out;
    out.reserve(p.size() + 16);
    bool inClass = false;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (c == '\\' && i + 1 < p.size()) {
            const char n = p[i + 1];
            if (n == 's') {
                out += inClass ? "\\s\\x{85}" : "[\\s\\x{85}]";
            } else if (n == 'S' && !inClass) {
                out += "[^\\s\\x{85}]";
            } else if (n == 'h') {
                // Oniguruma's \h is a hex digit (PCRE2's is horizontal space).
                out += inClass ? "0-9a-fA-F" : "[0-9a-fA-F]";
            } else if (n == 'H' && !inClass) {
                out += "[^0-9a-fA-F]";
            } else {
                out += c;
                out += n;
            }
            ++i;
            continue;
        }
        if (c == '[' && !inClass) {
            inClass = true;
            out += c;
            // A ']' right after '[' or '[^' is a literal member of the class.
            if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
            if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
            continue;
        }
        if (c == ']' && inClass) inClass = false;
        out += c;
    }
    return out;
}

Regex::Regex(std::string_view pattern, Syntax syntax, const std::string& where)
    : pattern_(pattern), where_(where) {
    uint32_t options = PCRE2_UTF | PCRE2_NO_UTF_CHECK;
    std::string compiled;
    if (syntax == Syntax::Literal) {
        // PCRE2_LITERAL allows no PCRE2_UCP (nothing to classify in a literal).
        options |= PCRE2_LITERAL;
        compiled = std::string(pattern);
    } else {
        // Oniguruma (Ruby syntax) anchors ^ and $ at every line.
        options |= PCRE2_UCP | PCRE2_MULTILINE;
        compiled = onigurumaToPcre2(pattern);
    }
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(), options,
                          &error, &offset, nullptr);
    if (!code_)
        throw TokenizerError(where + ": invalid regex '" + std::string(pattern) + "' at offset " +
                             std::to_string(offset) + ": " + pcre2Message(error));
    jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() {
    pcre2_code_free(code_);
}

bool Regex::find(std::string_view subject, std::size_t from, std::size_t& begin,
                 std::size_t& end) const {
    ThreadMatchState& state = threadState();
    const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
    int rc = jit_ ? pcre2_jit_match(code_, text, subject.size(), from, PCRE2_NO_UTF_CHECK,
                                    state.data, state.context)
                  : pcre2_match(code_, text, subject.size(), from, PCRE2_NO_UTF_CHECK, state.data,
                                state.context);
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc < 0)
        throw TokenizerError(where_ + ": regex '" + pattern_ +
                             "' failed on the input: " + pcre2Message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    begin = ovector[0];
    end = ovector[1];
    return true;
}

} // namespace lv
