<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

/**
 * Web-service function local_registrybridge_get_grades.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_registrybridge\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;

defined('MOODLE_INTERNAL') || die();

global $CFG;
require_once($CFG->libdir . '/gradelib.php');
// Moodle 4.1: the external API classes under their 4.2 names (see get_log_entries.php).
if (!class_exists('core_external\external_api')) {
    require_once($CFG->libdir . '/externallib.php');
    foreach (['external_api', 'external_function_parameters', 'external_multiple_structure',
            'external_single_structure', 'external_value'] as $legacyclass) {
        class_alias($legacyclass, 'core_external\\' . $legacyclass);
    }
}

/**
 * Reads one course's gradebook as stored: the grade items, and the grades that hold a
 * value or feedback, keyset-paginated by grade id.
 *
 * Why: gradereport_user_get_grade_items renders the user report of every graded user of a
 * course at once (about 100 s and 56 MB for 1,000 learners on Moodle 4.5), and leaves out
 * learners whose enrolment is suspended or has ended. This reads grade_grades directly, a
 * bounded page at a time, for every user who has a grade, whatever their enrolment.
 *
 * Paging contract as get_log_entries: pass sinceid = lastid of the previous page; hasmore
 * says to call again. The items come with the first page (sinceid = 0) only. The values
 * are those the user report shows a viewer with moodle/grade:viewhidden: the final grade,
 * the feedback with its file URLs rewritten, the date graded, hidden and overridden.
 * Without moodle/grade:viewhidden, a hidden grade comes without its value and feedback.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_grades extends external_api {

    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'The course whose gradebook is read'),
            'sinceid' => new external_value(PARAM_INT,
                'Return grades with an id greater than this one (0 = from the first, with the items)',
                VALUE_DEFAULT, 0),
            'limit' => new external_value(PARAM_INT,
                'Most grades to return (at least 1; capped at the plugin setting maxlimit)',
                VALUE_DEFAULT, get_log_entries::DEFAULT_LIMIT),
        ]);
    }

    /**
     * Returns one page of a course's gradebook.
     *
     * @param int $courseid the course
     * @param int $sinceid return grades with id > sinceid
     * @param int $limit most grades to return
     * @return array ['items' => array[], 'grades' => array[], 'lastid' => int, 'hasmore' => bool]
     */
    public static function execute(int $courseid, int $sinceid = 0,
            int $limit = get_log_entries::DEFAULT_LIMIT): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(), [
            'courseid' => $courseid,
            'sinceid' => $sinceid,
            'limit' => $limit,
        ]);
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        require_capability('moodle/grade:viewall', $context);
        $canviewhidden = has_capability('moodle/grade:viewhidden', $context);
        if ($params['limit'] < 1) {
            throw new \invalid_parameter_exception('limit must be at least 1');
        }
        $limit = min($params['limit'], get_log_entries::max_limit());

        // As the user report does: items marked as needing an update are computed first
        // (nothing to do, and cheap, when none is marked).
        grade_regrade_final_grades($params['courseid']);

        $items = [];
        foreach (\grade_item::fetch_all(['courseid' => $params['courseid']]) ?: [] as $item) {
            $items[(int)$item->id] = $item;
        }
        $sql = "SELECT gg.*
                  FROM {grade_grades} gg
                  JOIN {grade_items} gi ON gi.id = gg.itemid
                 WHERE gi.courseid = :courseid AND gg.id > :sinceid
                       AND (gg.finalgrade IS NOT NULL OR gg.feedback IS NOT NULL)
              ORDER BY gg.id ASC";
        $rows = $DB->get_recordset_sql($sql, ['courseid' => $params['courseid'], 'sinceid' => $params['sinceid']],
            0, $limit + 1);
        $grades = [];
        $lastid = (int)$params['sinceid'];
        $hasmore = false;
        foreach ($rows as $row) {
            if (count($grades) >= $limit) {
                $hasmore = true;
                break;
            }
            $grade = new \grade_grade($row, false);
            $grade->grade_item = $items[(int)$row->itemid];
            $grades[] = self::export_grade($grade, $canviewhidden);
            $lastid = (int)$row->id;
        }
        $rows->close();

        $exported = $params['sinceid'] ? [] : array_values(array_map([self::class, 'export_item'], $items));
        return ['items' => $exported, 'grades' => $grades, 'lastid' => $lastid, 'hasmore' => $hasmore];
    }

    /**
     * One grade item as the user report names its fields.
     *
     * @param \grade_item $item
     * @return array
     */
    protected static function export_item(\grade_item $item): array {
        return [
            'id' => (int)$item->id,
            'itemname' => $item->itemname,
            'itemtype' => (string)$item->itemtype,
            'itemmodule' => $item->itemmodule,
            'iteminstance' => $item->iteminstance === null ? null : (int)$item->iteminstance,
            'grademax' => (float)$item->grademax,
            'grademin' => (float)$item->grademin,
        ];
    }

    /**
     * One grade as the user report shows it to a viewer who may see hidden grades.
     *
     * @param \grade_grade $grade with its grade_item set
     * @param bool $canviewhidden whether the caller may see hidden values
     * @return array
     */
    protected static function export_grade(\grade_grade $grade, bool $canviewhidden): array {
        $hidden = $grade->is_hidden();
        $shown = $canviewhidden || !$hidden;
        $feedback = null;
        if ($shown && !empty($grade->feedback)) {
            $feedback = file_rewrite_pluginfile_urls($grade->feedback, 'pluginfile.php', $grade->get_context()->id,
                GRADE_FILE_COMPONENT, GRADE_FEEDBACK_FILEAREA, $grade->id);
        }
        return [
            'id' => (int)$grade->id,
            'itemid' => (int)$grade->itemid,
            'userid' => (int)$grade->userid,
            'finalgrade' => ($shown && $grade->finalgrade !== null) ? (float)$grade->finalgrade : null,
            'feedback' => $feedback,
            'dategraded' => $grade->get_dategraded() ? (int)$grade->get_dategraded() : null,
            'hidden' => (bool)$hidden,
            'overridden' => (bool)$grade->is_overridden(),
        ];
    }

    /**
     * Return structure.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'items' => new external_multiple_structure(
                new external_single_structure([
                    'id' => new external_value(PARAM_INT, 'Grade item id', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'itemname' => new external_value(PARAM_RAW, 'Name (none for the course total)',
                        VALUE_REQUIRED, null, NULL_ALLOWED),
                    'itemtype' => new external_value(PARAM_ALPHA, 'course, category, mod or manual',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'itemmodule' => new external_value(PARAM_PLUGIN, 'Module of a mod item', VALUE_REQUIRED, null,
                        NULL_ALLOWED),
                    'iteminstance' => new external_value(PARAM_INT, 'Instance of the item', VALUE_REQUIRED, null,
                        NULL_ALLOWED),
                    'grademax' => new external_value(PARAM_FLOAT, 'Highest grade', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'grademin' => new external_value(PARAM_FLOAT, 'Lowest grade', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                ])
            ),
            'grades' => new external_multiple_structure(
                new external_single_structure([
                    'id' => new external_value(PARAM_INT, 'Grade id', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'itemid' => new external_value(PARAM_INT, 'Grade item id', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'userid' => new external_value(PARAM_INT, 'The graded user', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'finalgrade' => new external_value(PARAM_FLOAT, 'The grade', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'feedback' => new external_value(PARAM_RAW, 'Feedback', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'dategraded' => new external_value(PARAM_INT, 'When graded', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'hidden' => new external_value(PARAM_BOOL, 'Hidden from the learner', VALUE_REQUIRED, null,
                        NULL_NOT_ALLOWED),
                    'overridden' => new external_value(PARAM_BOOL, 'Overridden in the gradebook', VALUE_REQUIRED,
                        null, NULL_NOT_ALLOWED),
                ])
            ),
            'lastid' => new external_value(PARAM_INT, 'Id of the last grade returned (sinceid when none)'),
            'hasmore' => new external_value(PARAM_BOOL, 'More grades follow: call again with sinceid = lastid'),
        ]);
    }
}
