// Per-student lab variants behind `nssim lab variant --seed N LAB-DIR`: a
// bundled lab (README.md, lab.nss template, solution.nss key) rewritten so
// that answers cannot be copied from a classmate — other task and `let`
// names, other CLONE_* flag orders, other namespace types where the lab's rule
// does not depend on the type, and one more fork or open in a refcount task.
// The variant key's numeric answers are recomputed by running the model on
// the variant (grade()), never copied; a change that would alter anything but
// a number (a name, an errno, a state) is not made. docs/labs.md, "Per-student
// variants".
#pragma once

#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>

namespace nssim::lab {

struct Variant {
  std::string lab;       // the variant's lab.nss: the student's template, blanks as in the original
  std::string solution;  // its key, every check passing on the model
  std::string readme;    // the handout, with a "Variant seed N" header
  nlohmann::json info;   // variant.json: seed, lab, and what was changed
};

// Makes the variant of the lab in `lab_dir` for `seed`. The same seed and
// lab always give the same text. `out_label` is how the variant's directory
// is named in its comments ("nssim lab check OUT/lab.nss"). Errors (no lab
// there, a file that does not parse, a key that does not grade): a message.
std::expected<Variant, std::string> make_variant(const std::string& lab_dir, uint64_t seed,
                                                 const std::string& out_label);

// Writes OUT/lab.nss, OUT/solution.nss, OUT/README.md and OUT/variant.json
// (making OUT). Returns an error message, or "" when written.
std::string write_variant(const Variant& v, const std::string& out_dir);

}  // namespace nssim::lab
