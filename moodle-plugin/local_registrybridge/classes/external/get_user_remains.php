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
 * Web-service function local_registrybridge_get_user_remains.
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
// Moodle 4.1: the external API classes under their 4.2 names (see get_log_entries.php).
if (!class_exists('core_external\external_api')) {
    require_once($CFG->libdir . '/externallib.php');
    foreach (['external_api', 'external_function_parameters', 'external_multiple_structure',
            'external_single_structure', 'external_value'] as $legacyclass) {
        class_alias($legacyclass, 'core_external\\' . $legacyclass);
    }
}

/**
 * What Moodle still holds that names one user id, read after that user was deleted: per
 * place, the number of rows, and of the user row only whether it is marked deleted and
 * which of its values were replaced.
 *
 * Why: the bridge tells the person what their erasure did. Moodle's privacy request reaches
 * "deleted" (status 10) while rows naming the user stay: by design (log rows naming them as
 * the related user, the deletion event, the request record, the user row), by the Data
 * registry (protected contexts), and on 4.5 by a fault (contextlist_base::set_contextids()
 * keeps array_unique's gaps in the keys and the iterator stops at the first gap, so a
 * provider can be given only some of the user's contexts; the log store's rows by userid
 * stay in the others). Without this the receipt could only repeat what Moodle promises.
 *
 * The answer holds counts and booleans only, never a value of the rows counted. Nothing is
 * changed: finishing a deletion is Moodle's privacy API's work (see README.md).
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_user_remains extends external_api {

    /**
     * Each place counted: its table and the condition on the user id (:userid). No row is
     * counted in two places except the deletion event (one of log_relateduserid) and the
     * blanked posts (of forum_posts). A table that does not exist counts 0.
     */
    protected const PLACES = [
        'log_userid' => ['table' => 'logstore_standard_log', 'where' => 'userid = :userid'],
        // Others' actions naming the user (their own actions on themselves count under log_userid).
        'log_relateduserid' => ['table' => 'logstore_standard_log',
            'where' => 'relateduserid = :userid AND userid <> :actor'],
        'log_deletion_event' => ['table' => 'logstore_standard_log',
            'where' => "relateduserid = :userid AND objectid = :objectid AND eventname = :eventname"],
        'forum_posts' => ['table' => 'forum_posts', 'where' => 'userid = :userid'],
        'forum_posts_blanked' => ['table' => 'forum_posts',
            'where' => "userid = :userid AND deleted = 1 AND subject = '' AND message = ''"],
        'messages_sent' => ['table' => 'messages', 'where' => 'useridfrom = :userid'],
        'conversation_memberships' => ['table' => 'message_conversation_members', 'where' => 'userid = :userid'],
        'files' => ['table' => 'files', 'where' => "userid = :userid AND filename <> '.'"],
        'grade_grades' => ['table' => 'grade_grades', 'where' => 'userid = :userid'],
        'grade_history' => ['table' => 'grade_grades_history', 'where' => 'userid = :userid'],
        'submissions' => ['table' => 'assign_submission', 'where' => 'userid = :userid'],
        'privacy_requests' => ['table' => 'tool_dataprivacy_request', 'where' => 'userid = :userid'],
    ];

    /** Profile fields of the user row that delete_user() leaves as they were. */
    protected const PROFILE_FIELDS = ['firstname', 'lastname', 'middlename', 'alternatename', 'firstnamephonetic',
        'lastnamephonetic', 'city', 'country', 'phone1', 'phone2', 'address', 'institution', 'department',
        'description', 'lastip'];

    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'userid' => new external_value(PARAM_INT, 'The user id (usually of a deleted user)'),
        ]);
    }

    /**
     * Counts the rows still naming the user id, place by place.
     *
     * @param int $userid the user
     * @return array ['userid' => int, 'places' => array[], 'user' => array]
     */
    public static function execute(int $userid): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(), ['userid' => $userid]);
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/user:viewalldetails', $context);
        if ($params['userid'] < 1) {
            throw new \invalid_parameter_exception('userid must be a user id');
        }

        $tables = $DB->get_tables();
        $places = [];
        foreach (self::PLACES as $place => $spec) {
            $count = 0;
            if (in_array($spec['table'], $tables, true)) {
                // Moodle refuses parameters the condition does not use: pass only its own.
                $all = ['userid' => $params['userid'], 'actor' => $params['userid'],
                    'objectid' => $params['userid'], 'eventname' => '\\core\\event\\user_deleted'];
                preg_match_all('/:(\w+)/', $spec['where'], $used);
                $sqlparams = array_intersect_key($all, array_flip($used[1]));
                $count = $DB->count_records_select($spec['table'], $spec['where'], $sqlparams);
            }
            $places[] = ['place' => $place, 'count' => (int)$count];
        }
        return ['userid' => $params['userid'], 'places' => $places, 'user' => self::user_row($params['userid'])];
    }

    /**
     * Of the user row: whether it exists and is marked deleted, whether delete_user()'s
     * replacements of username and e-mail hide the old values, and how many profile fields
     * still hold a value. The values themselves are never returned.
     *
     * @param int $userid the user
     * @return array
     */
    protected static function user_row(int $userid): array {
        global $DB;
        $user = $DB->get_record('user', ['id' => $userid]);
        if (!$user) {
            return ['exists' => false, 'deleted' => false, 'usernameanonymised' => false,
                'emailanonymised' => false, 'profilefieldskept' => 0];
        }
        $kept = 0;
        foreach (self::PROFILE_FIELDS as $field) {
            if (isset($user->$field) && trim((string)$user->$field) !== '') {
                $kept++;
            }
        }
        return [
            'exists' => true,
            'deleted' => (bool)$user->deleted,
            // delete_user() writes "<old e-mail>.<time>" as the username: it still holds the address.
            'usernameanonymised' => (bool)$user->deleted && strpos($user->username, '@') === false,
            // ... and the md5 of the old username as the e-mail.
            'emailanonymised' => (bool)preg_match('/^[0-9a-f]{32}$/', (string)$user->email),
            'profilefieldskept' => $kept,
        ];
    }

    /**
     * Return structure.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'userid' => new external_value(PARAM_INT, 'The user id asked about', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
            'places' => new external_multiple_structure(
                new external_single_structure([
                    'place' => new external_value(PARAM_ALPHANUMEXT, 'Where (see PLACES)', VALUE_REQUIRED, null,
                        NULL_NOT_ALLOWED),
                    'count' => new external_value(PARAM_INT, 'Rows there naming the user id', VALUE_REQUIRED, null,
                        NULL_NOT_ALLOWED),
                ])
            ),
            'user' => new external_single_structure([
                'exists' => new external_value(PARAM_BOOL, 'The user row exists', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                'deleted' => new external_value(PARAM_BOOL, 'It is marked deleted', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                'usernameanonymised' => new external_value(PARAM_BOOL, 'The username no longer holds an e-mail address',
                    VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                'emailanonymised' => new external_value(PARAM_BOOL, 'The e-mail was replaced by a hash',
                    VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                'profilefieldskept' => new external_value(PARAM_INT, 'Profile fields (name, city, phone, ...) still '
                    . 'holding a value', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
            ]),
        ]);
    }
}
