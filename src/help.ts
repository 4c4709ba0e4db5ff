import type {Interfaces} from '@oclif/core'

import {CommandHelp, Help} from '@oclif/core/help'

import {consoleTopics, findConsoleCli} from './console-cli.js'
import {EXIT_CODE_MEANINGS} from './exit-codes.js'
import {isPluginCommand} from './plugin-commands.js'

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
    if (!isPluginCommand(this.command.id)) return sections
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

  /** The console's own topics too, when its CLI is there to take them. */
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    const cli = await findConsoleCli()
    if (!cli) return
    const rows = consoleTopics().map(({commands, summary, topic}): [string, string] => [
      topic,
      `${summary}${commands.length > 0 ? `: ${commands.map(([name]) => name).join(', ')}` : ''}`,
    ])
    this.log(this.consoleSection(cli, rows))
    this.log('')
    this.log(
      this.wrap(
        `\`${this.config.bin} snapshot delete\` and \`verify\` are this plugin's (a plan, then consent, exit codes that tell); \`${this.config.bin} TOPIC --help\` of the console's topics is the console's own help.`,
      ),
    )
    this.log('')
  }

  /** A topic the console shares (snapshot) lists the console's commands of it that this plugin hands on. */
  protected override async showTopicHelp(topic: Interfaces.Topic): Promise<void> {
    await super.showTopicHelp(topic)
    const shared = consoleTopics().find((candidate) => candidate.topic === topic.name.replaceAll(':', ' '))
    if (!shared || shared.commands.length === 0) return
    const cli = await findConsoleCli()
    if (!cli) return
    const own = (name: string) => isPluginCommand(`${topic.name}:${name}`)
    const rows = shared.commands
      .filter(([name]) => !own(name))
      .map(([name, what]): [string, string] => [`${shared.topic} ${name}`, what])
    this.log(this.consoleSection(cli, rows))
    this.log('')
  }

  private consoleSection(cli: string, rows: [string, string][]): string {
    return this.section(
      `HANDED TO THE CONSOLE'S OWN CLI (${cli}, as typed)`,
      this.renderList(rows, {indentation: 2, spacer: '\n', stripAnsi: this.opts.stripAnsi}),
    )
  }
}
