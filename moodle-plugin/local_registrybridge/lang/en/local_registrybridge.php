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
 * English strings of local_registrybridge.
 *
 * @package    local_registrybridge
 * @category   string
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['errornologreader'] = 'No enabled log store can be read by id. Enable the Standard log (or the External database log) in Site administration > Plugins > Logging > Manage log stores.';
$string['iprestriction'] = 'IP restriction of a new token';
$string['iprestriction_help'] = 'The addresses the bridge calls from, comma-separated; ranges as 192.0.2.0/24 or 192.0.2.10-20. A call from any other address is refused. Empty: an existing token keeps its restriction; a new one has none.';
$string['lag'] = 'Lag';
$string['lag_desc'] = 'Log entries younger than this are not returned yet. Moodle writes a request\'s log entries when the request ends, so an entry with a lower id can appear after one with a higher id; the lag gives slow requests time to finish. Raise it on sites with long-running requests.';
$string['maxlimit'] = 'Maximum entries per call';
$string['maxlimit_desc'] = 'Upper bound for the limit parameter of local_registrybridge_get_log_entries; larger limits are lowered to this value.';
$string['mode_delete_user'] = 'Erasure by deleting the account (erasure = "delete_user"): adds core_user_delete_users and moodle/user:delete';
$string['mode_suspend_and_unenrol'] = 'Revocation by suspending and unenrolling (revoke_access = "suspend_and_unenrol"): adds enrol_manual_unenrol_users and enrol/manual:unenrol';
$string['newtoken'] = 'Replace the valid token (the old one stops working at once)';
$string['pluginname'] = 'LMS registry bridge';
$string['privacy:metadata:lms_registry_bridge'] = 'The LMS registry bridge reads the site log through a web service and keeps a copy in the organisation\'s GDPR register, as stated in its privacy notice. Anonymous events are sent only to a caller allowed to view them and are never linked to a person there.';
$string['privacy:metadata:lms_registry_bridge:action'] = 'What was done (e.g. viewed, created).';
$string['privacy:metadata:lms_registry_bridge:anonymous'] = 'Whether the event was anonymous.';
$string['privacy:metadata:lms_registry_bridge:component'] = 'The part of Moodle where the event happened.';
$string['privacy:metadata:lms_registry_bridge:contextid'] = 'The context in which the event happened.';
$string['privacy:metadata:lms_registry_bridge:contextinstanceid'] = 'The instance (course, activity, user) of that context.';
$string['privacy:metadata:lms_registry_bridge:contextlevel'] = 'The level of that context.';
$string['privacy:metadata:lms_registry_bridge:courseid'] = 'The course in which the event happened.';
$string['privacy:metadata:lms_registry_bridge:crud'] = 'Whether something was created, read, updated or deleted.';
$string['privacy:metadata:lms_registry_bridge:edulevel'] = 'The educational level of the event (teaching, participating, other).';
$string['privacy:metadata:lms_registry_bridge:eventname'] = 'The name of the event.';
$string['privacy:metadata:lms_registry_bridge:ip'] = 'The IP address the request came from.';
$string['privacy:metadata:lms_registry_bridge:objectid'] = 'The id of the object the event concerns.';
$string['privacy:metadata:lms_registry_bridge:objecttable'] = 'The table of the object the event concerns.';
$string['privacy:metadata:lms_registry_bridge:origin'] = 'How the request was made (web, web service, command line, ...).';
$string['privacy:metadata:lms_registry_bridge:other'] = 'Further details recorded with the event.';
$string['privacy:metadata:lms_registry_bridge:realuserid'] = 'The real user when someone was logged in as another user.';
$string['privacy:metadata:lms_registry_bridge:relateduserid'] = 'The user the event concerns (e.g. the student graded).';
$string['privacy:metadata:lms_registry_bridge:target'] = 'What the action was done on (e.g. course, submission).';
$string['privacy:metadata:lms_registry_bridge:timecreated'] = 'When the event happened.';
$string['privacy:metadata:lms_registry_bridge:userid'] = 'The user who did it.';
$string['privacy:metadata:lms_registry_bridge_grades'] = 'The LMS registry bridge reads the gradebook through a web service and keeps a copy in the organisation\'s GDPR register, as stated in its privacy notice.';
$string['privacy:metadata:lms_registry_bridge_grades:dategraded'] = 'When the grade was given.';
$string['privacy:metadata:lms_registry_bridge_grades:feedback'] = 'The feedback given with the grade.';
$string['privacy:metadata:lms_registry_bridge_grades:finalgrade'] = 'The grade.';
$string['privacy:metadata:lms_registry_bridge_grades:hidden'] = 'Whether the grade is hidden from the learner.';
$string['privacy:metadata:lms_registry_bridge_grades:itemid'] = 'The grade item (activity, category or course total).';
$string['privacy:metadata:lms_registry_bridge_grades:overridden'] = 'Whether the grade was overridden in the gradebook.';
$string['privacy:metadata:lms_registry_bridge_grades:userid'] = 'The graded user.';
$string['registrybridge:readlogs'] = 'Read the site log through the LMS registry bridge web service';
$string['setup'] = 'LMS registry bridge: set-up';
$string['setup_desc'] = 'Sets up or repairs what the LMS registry bridge needs in this site: web services and REST on, the service of this plugin with exactly the functions the bridge calls, the role LMS registry bridge with exactly its capabilities, the service user lms_registry_bridge (web services authentication, not a site admin) with that role at system level, the role as privacy officer with "Contact the privacy officer" on, the user authorised on the service, and a token. The same as php local/registrybridge/cli/setup.php.';
$string['setupdiffers'] = 'This site differs from what the bridge needs';
$string['setupdone'] = 'Set up: the items marked ✎ were changed';
$string['setupnodifferences'] = 'This site is set up as the bridge needs it';
$string['setupnothingchanged'] = 'Nothing changed: the site was already set up';
$string['setuprepair'] = 'Set up / repair';
$string['tokenshownonce'] = 'The new token is shown this once: copy it now into the bridge (bridge init, or the token file). Anyone holding it acts as the service user.';
$string['validdays'] = 'Days a new token is valid (default 365)';
$string['validdays_error'] = 'A number of days, at least 1.';
