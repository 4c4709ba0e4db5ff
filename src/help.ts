import {CommandHelp, Help} from '@oclif/core/help'

import {PLUGIN_COMMANDS} from './console-cli.js'
import {EXIT_CODE_MEANINGS} from './errors.js'

/** oclif renders every help text through ejs; only a text with a template tag needs it (help starts faster). */
function renderOnlyTemplates(formatter: {render: (text: string) => string}): void {
  const ejsRender = formatter.render
  formatter.render = (text) => (text.includes('<%') ? ejsRender(text) : text)
}

/** oclif's command help with one more section for this plugin's commands: EXIT CODES, from the one map. */
class CommandHelpWithExitCodes extends CommandHelp {
  constructor(...args: ConstructorParameters<typeof CommandHelp>) {
    super(...args)
    renderOnlyTemplates(this)
  }

  protected override sections(): ReturnType<CommandHelp['sections']> {
    const sections = super.sections()
    if (!PLUGIN_COMMANDS.has(this.command.id.replaceAll(' ', ':'))) return sections
    return [
      ...sections,
      {
        generate: () =>
          EXIT_CODE_MEANINGS.map(({code, meaning}) => `${String(code).padStart(3)}  ${meaning}`).join('\n'),
        header: 'EXIT CODES',
      },
    ]
  }
}

export default class ConsoleHelp extends Help {
  protected override CommandHelpClass = CommandHelpWithExitCodes

  constructor(...args: ConstructorParameters<typeof Help>) {
    super(...args)
    renderOnlyTemplates(this)
  }
}
