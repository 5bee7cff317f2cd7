// Grading a student's submission: questions with ids and points (`# @q ID
// (N points)` comment lines), template-locked grading against a key (the
// teacher's solution), and the LMS outputs (JSON Lines, Gradescope, JUnit).
// grade() in lab.h runs and grades one scenario; grade_submission() decides
// which scenario to run (the key's steps with the student's answers and task
// blocks), continues past run errors, and sums per question. docs/labs.md
// describes the rules for teachers.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "grading/lab.h"

namespace nssim::lab {

// One `# @q ID (N points)` line: every check after it, until the next one,
// belongs to question ID.
struct QuestionMark {
  std::string id;  // "3.2"
  int points = 1;
  int line = 0;
};
// The question lines of a lab file, in order. A line starting with `# @q`
// that is not of that shape is an error (with line:column and a hint).
std::vector<QuestionMark> parse_questions(std::string_view source, std::vector<Diagnostic>& errors);

struct Question {
  std::string id;
  int points = 1;
  enum Status : uint8_t { Pass, Fail, Unanswered, NotGraded } status = NotGraded;
  int score = 0;                     // points when Pass, else 0
  std::vector<std::string> reasons;  // why Fail (refused answers, run errors) or NotGraded
  std::vector<size_t> items;         // indexes into Graded::report.items
};
const char* status_word(Question::Status s);

// A lab file as read: its name and text.
struct Source {
  std::string file, text;
};

struct Graded {
  std::string file;      // the submission
  std::string key_file;  // the key it was graded against; empty: graded on its own
  Report report;         // the run that was graded (the key's steps with the student's answers)
  std::vector<Question> questions;
  // Nothing could be graded: the submission or the key does not parse, the
  // key has checks before its first question, --real cannot run. Formatted
  // "file:line:col: error: message" (with the source line and a hint).
  std::string error;
  // Run errors, each formatted as format_diagnostic() does (the run went on
  // without the failing statement; its question failed).
  std::vector<std::string> run_errors;
  int exit_hint = 0;  // 2: parse or key error; 3: --real unavailable (set by the caller)
  int score = 0, max_score = 0;
  int count(Question::Status s) const;
  bool ok() const { return error.empty() && score == max_score && report.kernel.empty(); }
};

struct SubmissionOptions {
  Options run;
  const Source* key = nullptr;  // the teacher's solution; null: grade the file on its own
  // The student's version (the key with blanks): says which positions are
  // blanks. Null: every `==` right side and every `= RESULT` of the key is a
  // blank, except in a question that holds a task block (its checks are given).
  const Source* templ = nullptr;
};

// Grades a submission. Never throws. With a key: the submission is aligned
// with the key statement by statement; only blanks (`?`, `= ?`) and task
// blocks (`# ==== Task N ...` ... `# ==== end of task N ====`) may differ.
// The graded run is the key's statements with the student's answers and the
// student's task-block steps followed by the key's checks of that block;
// edited or deleted given lines, statements added outside a block and answers
// that are expressions (`X == X`, `N.refs`) are refused: that question scores 0.
// A run error (without a peer) drops the statement, fails its question and
// grades the rest.
Graded grade_submission(const Source& sub, const SubmissionOptions& opt);

// A result with nothing graded: every question of `questions_from` (the key, or
// the submission when it can be read) "not graded: WHY".
Graded not_graded(const std::string& file, const std::string& questions_from, const std::string& why);

struct TextOptions {
  bool reveal = false;     // --reveal: also the model's value of unanswered blanks
  bool no_reveal = false;  // --no-reveal (exams): no model value at all, only where to look
  bool explain = true;     // feedback under each failing check (value, deciding step)
};
// Per question: "3.2 (2 points) pass 2/2", its checks, reasons; then the summary line.
void print_graded(std::FILE* out, const Graded& g, const TextOptions& t);
std::string graded_summary(const Graded& g);
// JSON Lines: one object per check and kernel mark (with "question" and
// "points"), one per question, then {"summary": {...}} (always, also on error).
std::vector<nlohmann::json> graded_json(const Graded& g, const TextOptions& t);
// Gradescope's results.json: {"score", "output", "tests": [{"name", "score", "max_score", "status", "output"}]}.
nlohmann::json gradescope_json(const std::vector<Graded>& gs, const TextOptions& t);
// JUnit XML: one <testsuite> per file, one <testcase> per question (<failure> or <skipped>).
std::string junit_xml(const std::vector<Graded>& gs, const TextOptions& t);

}  // namespace nssim::lab
