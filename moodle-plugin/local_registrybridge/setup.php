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
 * The set-up page: what cli/setup.php does, for administrators without a shell.
 *
 * Shows what differs from what the bridge needs; the button repairs it and shows a new
 * token once (Site administration > Plugins > Local plugins > LMS registry bridge: set-up).
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require(__DIR__ . '/../../config.php');
require_once($CFG->libdir . '/adminlib.php');

use local_registrybridge\local\setup;

admin_externalpage_setup('local_registrybridge_setup');

$stored = setup::stored_modes();
$form = new \local_registrybridge\form\setup_form();
$form->set_data([
    'delete_user' => in_array('delete_user', $stored, true) ? 1 : 0,
    'suspend_and_unenrol' => in_array('suspend_and_unenrol', $stored, true) ? 1 : 0,
]);

$token = null;
if ($data = $form->get_data()) {
    $modes = ['suspend'];
    foreach (['delete_user', 'suspend_and_unenrol'] as $mode) {
        if (!empty($data->$mode)) {
            $modes[] = $mode;
        }
    }
    $run = (new setup($modes, true, [
        'iprestriction' => $data->iprestriction === '' ? null : $data->iprestriction,
        'validuntil' => setup::parse_validity(null, $data->validdays),
        'newtoken' => !empty($data->newtoken),
    ]))->run();
    $token = $run->token();
    $heading = get_string($run->differs() ? 'setupdone' : 'setupnothingchanged', 'local_registrybridge');
} else {
    $run = (new setup($stored, false))->run();
    $heading = get_string($run->differs() ? 'setupdiffers' : 'setupnodifferences', 'local_registrybridge');
}

echo $OUTPUT->header();
echo $OUTPUT->heading(get_string('setup', 'local_registrybridge'));
echo html_writer::tag('p', get_string('setup_desc', 'local_registrybridge'));
echo $OUTPUT->heading($heading, 3);
$items = [];
foreach ($run->report() as $item) {
    $mark = $item['changed'] ? '✎' : ($item['ok'] ? '✓' : '✗');
    $items[] = s("$mark $item[text]");
}
echo html_writer::alist($items);
if ($token !== null) {
    echo $OUTPUT->notification(get_string('tokenshownonce', 'local_registrybridge'), 'warning');
    echo html_writer::tag('pre', s($token), ['id' => 'local_registrybridge_token']);
}
$form->display();
echo $OUTPUT->footer();
