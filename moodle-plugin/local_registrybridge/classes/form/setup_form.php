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
 * The form of the set-up page: modes, the token's limits, a new token.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_registrybridge\form;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->libdir . '/formslib.php');

/**
 * What cli/setup.php takes as options, as a form.
 */
class setup_form extends \moodleform {
    /**
     * The fields.
     */
    protected function definition() {
        $form = $this->_form;
        $form->addElement('advcheckbox', 'delete_user', get_string('mode_delete_user', 'local_registrybridge'));
        $form->addElement('advcheckbox', 'suspend_and_unenrol',
            get_string('mode_suspend_and_unenrol', 'local_registrybridge'));
        $form->addElement('text', 'iprestriction', get_string('iprestriction', 'local_registrybridge'));
        $form->setType('iprestriction', PARAM_RAW_TRIMMED);
        $form->addHelpButton('iprestriction', 'iprestriction', 'local_registrybridge');
        $form->addElement('text', 'validdays', get_string('validdays', 'local_registrybridge'));
        $form->setType('validdays', PARAM_RAW_TRIMMED);
        $form->addElement('advcheckbox', 'newtoken', get_string('newtoken', 'local_registrybridge'));
        $this->add_action_buttons(false, get_string('setuprepair', 'local_registrybridge'));
    }

    /**
     * The validity must be a number of days.
     *
     * @param array $data
     * @param array $files
     * @return array
     */
    public function validation($data, $files) {
        $errors = parent::validation($data, $files);
        if ($data['validdays'] !== '' && (!ctype_digit($data['validdays']) || (int) $data['validdays'] < 1)) {
            $errors['validdays'] = get_string('validdays_error', 'local_registrybridge');
        }
        return $errors;
    }
}
